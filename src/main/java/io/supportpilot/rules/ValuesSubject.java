package io.supportpilot.rules;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * A trigger object held as one value per schema slot (String, Double, Long epoch millis, Boolean): conversations
 * read from Postgres and ticket events. {@link #toJson} gives the object recorded in {@code rule_runs}.
 */
final class ValuesSubject extends RememberingSubject {

  private final Schema schema;
  private final Object[] values;

  ValuesSubject(Schema schema) {
    this.schema = schema;
    this.values = new Object[schema.size()];
  }

  /** Sets a field by name; times may be Instant, OffsetDateTime or epoch millis. */
  ValuesSubject set(String field, Object v) {
    Schema.Field f = schema.field(field);
    if (f == null) {
      throw new IllegalArgumentException("no field " + field + " in " + schema.object());
    }
    if (v instanceof OffsetDateTime) {
      v = ((OffsetDateTime) v).toInstant().toEpochMilli();
    } else if (v instanceof Instant) {
      v = ((Instant) v).toEpochMilli();
    } else if (v instanceof Number && f.type() == FieldType.NUMBER) {
      v = ((Number) v).doubleValue();
    }
    values[f.slot()] = v;
    return this;
  }

  @Override
  public String string(int slot) {
    Object v = values[slot];
    return v instanceof String ? (String) v : null;
  }

  @Override
  public double number(int slot) {
    Object v = values[slot];
    return v instanceof Double ? (Double) v : Double.NaN;
  }

  @Override
  public long time(int slot) {
    Object v = values[slot];
    return v instanceof Long ? (Long) v : NO_TIME;
  }

  @Override
  public Boolean bool(int slot) {
    Object v = values[slot];
    return v instanceof Boolean ? (Boolean) v : null;
  }

  /** The object as JSON (times as ISO-8601, whole numbers as integers). */
  JsonObject toJson() {
    JsonObject o = new JsonObject();
    for (Schema.Field f : schema.fields()) {
      Object v = values[f.slot()];
      if (v == null) {
        continue;
      }
      if (f.type() == FieldType.TIME) {
        o.put(f.name(), Instant.ofEpochMilli((Long) v).toString());
      } else if (f.type() == FieldType.NUMBER && ((Double) v) == Math.rint((Double) v)) {
        o.put(f.name(), ((Double) v).longValue());
      } else {
        o.put(f.name(), v);
      }
    }
    return o;
  }
}
