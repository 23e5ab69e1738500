package io.supportpilot.rules;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates a JSON condition against a {@link Schema} and compiles it once into a {@link Condition} tree. The
 * language (docs/rules.md): an object is the AND of its entries; an entry is {@code field: value} (equality) or
 * {@code field: {$op: value, ...}} with $eq $ne $gt $gte $lt $lte $in $nin $exists $regex $contains, or one of
 * {@code $and: [..]}, {@code $or: [..]}, {@code $not: {..}}. Time fields take ISO-8601 instants or relative
 * times ({@code now}, {@code now-4h}, {@code now+30m}; units s m h d). Every fault is an {@link InvalidRule}
 * naming its path.
 */
final class ConditionCompiler {

  static final int MAX_DEPTH = 16;
  static final int MAX_NODES = 500;
  static final int MAX_REGEX = 500;
  static final int MAX_IN = 1000;
  /** A regex sees at most this many characters of a field (stacks can be long). */
  static final int REGEX_INPUT_LIMIT = 8192;

  private static final Pattern RELATIVE = Pattern.compile("now(?:\\s*([+-])\\s*(\\d{1,9})\\s*([smhd]))?");
  private static final Pattern PLAN_RELATIVE = Pattern.compile(
      "datetime\\(\\s*[\"']now[\"']\\s*,\\s*[\"']([+-])(\\d{1,9}) (second|minute|hour|day)s?[\"']\\s*\\)");

  private final Schema schema;
  private int nodes;

  private ConditionCompiler(Schema schema) {
    this.schema = schema;
  }

  /** Compiles {@code condition} (a JSON object) found at {@code path}; throws {@link InvalidRule}. */
  static Condition compile(Object condition, Schema schema, String path) {
    if (condition == null) {
      return Condition.TRUE;
    }
    if (!(condition instanceof JsonObject)) {
      throw new InvalidRule(path, "must be a JSON object");
    }
    return new ConditionCompiler(schema).object((JsonObject) condition, path, 0);
  }

  private Condition object(JsonObject o, String path, int depth) {
    if (depth > MAX_DEPTH) {
      throw new InvalidRule(path, "nested deeper than " + MAX_DEPTH + " levels");
    }
    List<Condition> parts = new ArrayList<>();
    for (Map.Entry<String, Object> e : o) {
      String key = e.getKey();
      String at = path + "." + key;
      count(at);
      switch (key) {
        case "$and":
          parts.add(all(list(e.getValue(), at, depth)));
          break;
        case "$or":
          parts.add(any(list(e.getValue(), at, depth)));
          break;
        case "$not":
          if (!(e.getValue() instanceof JsonObject)) {
            throw new InvalidRule(at, "expects a condition object");
          }
          Condition inner = object((JsonObject) e.getValue(), at, depth + 1);
          parts.add((s, now) -> !inner.test(s, now));
          break;
        default:
          if (key.startsWith("$")) {
            throw new InvalidRule(at, "unknown operator " + key + " at this level (use $and, $or, $not or a field)");
          }
          Schema.Field f = schema.field(key);
          if (f == null) {
            throw new InvalidRule(at, "unknown field " + key + " of a " + schema.object() + "; known fields: "
                + schema.names());
          }
          parts.add(field(f, e.getValue(), at));
      }
    }
    return all(parts);
  }

  private List<Condition> list(Object v, String at, int depth) {
    if (!(v instanceof JsonArray) || ((JsonArray) v).isEmpty()) {
      throw new InvalidRule(at, "expects a non-empty array of condition objects");
    }
    List<Condition> out = new ArrayList<>();
    JsonArray a = (JsonArray) v;
    for (int i = 0; i < a.size(); i++) {
      Object item = a.getValue(i);
      if (!(item instanceof JsonObject)) {
        throw new InvalidRule(at + "[" + i + "]", "expects a condition object");
      }
      out.add(object((JsonObject) item, at + "[" + i + "]", depth + 1));
    }
    return out;
  }

  private Condition field(Schema.Field f, Object v, String at) {
    if (v instanceof JsonObject) {
      JsonObject ops = (JsonObject) v;
      if (ops.isEmpty()) {
        throw new InvalidRule(at, "an empty operator object; use {\"$exists\": true} to test presence");
      }
      List<Condition> parts = new ArrayList<>();
      for (Map.Entry<String, Object> e : ops) {
        String op = e.getKey();
        String opAt = at + "." + op;
        count(opAt);
        if (!op.startsWith("$")) {
          throw new InvalidRule(opAt, "fields have no sub-fields; expected an operator like $eq or $gte");
        }
        parts.add(operator(f, op, e.getValue(), opAt));
      }
      return all(parts);
    }
    return operator(f, "$eq", v, at);
  }

  private Condition operator(Schema.Field f, String op, Object v, String at) {
    int slot = f.slot();
    FieldType type = f.type();
    switch (op) {
      case "$eq":
        return v == null ? (s, now) -> !s.exists(slot, type) : equals(f, v, at);
      case "$ne": {
        Condition eq = v == null ? (s, now) -> !s.exists(slot, type) : equals(f, v, at);
        return (s, now) -> !eq.test(s, now);
      }
      case "$gt":
      case "$gte":
      case "$lt":
      case "$lte":
        return compare(f, op, v, at);
      case "$in":
      case "$nin": {
        Condition in = in(f, v, at);
        return op.equals("$in") ? in : (s, now) -> !in.test(s, now);
      }
      case "$exists":
        if (!(v instanceof Boolean)) {
          throw new InvalidRule(at, "expects true or false");
        }
        boolean want = (Boolean) v;
        return (s, now) -> s.exists(slot, type) == want;
      case "$regex":
        return regex(f, v, at);
      case "$contains": {
        requireType(f, at, op, FieldType.STRING);
        if (!(v instanceof String) || ((String) v).isEmpty()) {
          throw new InvalidRule(at, "expects a non-empty string");
        }
        String needle = (String) v;
        return (s, now) -> {
          String x = s.string(slot);
          return x != null && x.contains(needle);
        };
      }
      default:
        throw new InvalidRule(at, "unknown operator " + op + "; known: $eq $ne $gt $gte $lt $lte $in $nin $exists "
            + "$regex $contains");
    }
  }

  private Condition equals(Schema.Field f, Object v, String at) {
    int slot = f.slot();
    switch (f.type()) {
      case STRING: {
        String want = string(f, v, at);
        return (s, now) -> want.equals(s.string(slot));
      }
      case NUMBER: {
        double want = number(f, v, at);
        return (s, now) -> s.number(slot) == want;
      }
      case BOOLEAN: {
        if (!(v instanceof Boolean)) {
          throw wrongType(f, at, v);
        }
        Boolean want = (Boolean) v;
        return (s, now) -> want.equals(s.bool(slot));
      }
      default: {
        TimeValue t = time(f, v, at);
        return (s, now) -> {
          long x = s.time(slot);
          return x != Subject.NO_TIME && x == t.at(now);
        };
      }
    }
  }

  private Condition compare(Schema.Field f, String op, Object v, String at) {
    int slot = f.slot();
    int kind = op.equals("$gt") ? 0 : op.equals("$gte") ? 1 : op.equals("$lt") ? 2 : 3;
    if (f.type() == FieldType.NUMBER) {
      double b = number(f, v, at);
      switch (kind) {
        case 0:
          return (s, now) -> s.number(slot) > b;
        case 1:
          return (s, now) -> s.number(slot) >= b;
        case 2:
          return (s, now) -> s.number(slot) < b;
        default:
          return (s, now) -> s.number(slot) <= b;
      }
    }
    if (f.type() == FieldType.TIME) {
      TimeValue t = time(f, v, at);
      return (s, now) -> {
        long x = s.time(slot);
        if (x == Subject.NO_TIME) {
          return false;
        }
        long b = t.at(now);
        return kind == 0 ? x > b : kind == 1 ? x >= b : kind == 2 ? x < b : x <= b;
      };
    }
    throw new InvalidRule(at, op + " needs a number or time field; " + f.name() + " is a " + f.type().wire());
  }

  private Condition in(Schema.Field f, Object v, String at) {
    if (!(v instanceof JsonArray) || ((JsonArray) v).isEmpty() || ((JsonArray) v).size() > MAX_IN) {
      throw new InvalidRule(at, "expects a non-empty array of at most " + MAX_IN + " values");
    }
    JsonArray a = (JsonArray) v;
    int slot = f.slot();
    switch (f.type()) {
      case STRING: {
        Set<String> set = new HashSet<>();
        for (int i = 0; i < a.size(); i++) {
          set.add(string(f, a.getValue(i), at + "[" + i + "]"));
        }
        Set<String> frozen = Set.copyOf(set);
        return (s, now) -> {
          String x = s.string(slot);
          return x != null && frozen.contains(x);
        };
      }
      case NUMBER: {
        double[] values = new double[a.size()];
        for (int i = 0; i < a.size(); i++) {
          values[i] = number(f, a.getValue(i), at + "[" + i + "]");
        }
        return (s, now) -> {
          double x = s.number(slot);
          for (double d : values) {
            if (d == x) {
              return true;
            }
          }
          return false;
        };
      }
      case BOOLEAN: {
        Set<Boolean> set = new HashSet<>();
        for (int i = 0; i < a.size(); i++) {
          if (!(a.getValue(i) instanceof Boolean)) {
            throw wrongType(f, at + "[" + i + "]", a.getValue(i));
          }
          set.add(a.getBoolean(i));
        }
        return (s, now) -> {
          Boolean x = s.bool(slot);
          return x != null && set.contains(x);
        };
      }
      default:
        throw new InvalidRule(at, "$in and $nin do not apply to time fields; use $gte/$lt");
    }
  }

  private Condition regex(Schema.Field f, Object v, String at) {
    requireType(f, at, "$regex", FieldType.STRING);
    if (!(v instanceof String) || ((String) v).isEmpty() || ((String) v).length() > MAX_REGEX) {
      throw new InvalidRule(at, "expects a regular expression of 1 to " + MAX_REGEX + " characters");
    }
    String p = (String) v;
    try {
      Pattern.compile(p);
    } catch (PatternSyntaxException e) {
      throw new InvalidRule(at, "the regular expression does not compile: " + e.getDescription()
          + " near index " + e.getIndex());
    }
    String problem = RegexGuard.problem(p);
    if (problem != null) {
      throw new InvalidRule(at, problem);
    }
    SharedRegex shared = SharedRegex.of(f.slot(), p);
    return (s, now) -> shared.test(s);
  }

  private static void requireType(Schema.Field f, String at, String op, FieldType type) {
    if (f.type() != type) {
      throw new InvalidRule(at, op + " needs a " + type.wire() + " field; " + f.name() + " is a " + f.type().wire());
    }
  }

  private static String string(Schema.Field f, Object v, String at) {
    if (!(v instanceof String)) {
      throw wrongType(f, at, v);
    }
    return (String) v;
  }

  private static double number(Schema.Field f, Object v, String at) {
    if (!(v instanceof Number)) {
      throw wrongType(f, at, v);
    }
    double d = ((Number) v).doubleValue();
    if (!Double.isFinite(d) || Math.abs(d) > 1e15) {
      throw new InvalidRule(at, f.name() + " is a number: give a finite one of at most 15 digits");
    }
    return d;
  }

  private static TimeValue time(Schema.Field f, Object v, String at) {
    if (!(v instanceof String)) {
      throw wrongType(f, at, v);
    }
    TimeValue t = TimeValue.parse((String) v);
    if (t == null) {
      throw new InvalidRule(at, f.name() + " is a time: give an ISO-8601 instant (2026-01-31T12:00:00Z) or a "
          + "relative time like now-4h (units s, m, h, d)");
    }
    return t;
  }

  private static InvalidRule wrongType(Schema.Field f, String at, Object v) {
    return new InvalidRule(at, f.name() + " is a " + f.type().wire() + "; got " + describe(v));
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof JsonArray) {
      return "an array";
    }
    return "an object";
  }

  private void count(String at) {
    if (++nodes > MAX_NODES) {
      throw new InvalidRule(at, "the condition has more than " + MAX_NODES + " parts");
    }
  }

  static Condition all(List<Condition> parts) {
    if (parts.isEmpty()) {
      return Condition.TRUE;
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    if (parts.size() == 2) {
      Condition a = parts.get(0);
      Condition b = parts.get(1);
      return (s, now) -> a.test(s, now) && b.test(s, now);
    }
    Condition[] arr = parts.toArray(new Condition[0]);
    return (s, now) -> {
      for (Condition c : arr) {
        if (!c.test(s, now)) {
          return false;
        }
      }
      return true;
    };
  }

  static Condition any(List<Condition> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    Condition[] arr = parts.toArray(new Condition[0]);
    return (s, now) -> {
      for (Condition c : arr) {
        if (c.test(s, now)) {
          return true;
        }
      }
      return false;
    };
  }

  /** An absolute instant or an offset from now, in milliseconds. */
  record TimeValue(boolean relative, long millis) {

    long at(long now) {
      return relative ? now + millis : millis;
    }

    static TimeValue parse(String s) {
      String t = s.trim();
      Matcher m = RELATIVE.matcher(t);
      if (m.matches()) {
        if (m.group(1) == null) {
          return new TimeValue(true, 0);
        }
        return relative(m.group(1), m.group(2), m.group(3).charAt(0));
      }
      Matcher plan = PLAN_RELATIVE.matcher(t);
      if (plan.matches()) {
        return relative(plan.group(1), plan.group(2), plan.group(3).charAt(0));
      }
      // Years 1-9999, as everywhere else in the engine; outside them a time has no epoch millisecond or no row.
      try {
        return absolute(OffsetDateTime.parse(t).toInstant());
      } catch (DateTimeParseException e) {
        try {
          return absolute(Instant.parse(t));
        } catch (DateTimeParseException e2) {
          return null;
        }
      }
    }

    private static TimeValue relative(String sign, String digits, char unit) {
      try {
        return new TimeValue(true, signed(sign, Long.parseLong(digits), unit));
      } catch (NumberFormatException | ArithmeticException e) {
        return null;
      }
    }

    private static TimeValue absolute(Instant i) {
      if (i.isBefore(Instant.parse("0001-01-01T00:00:00Z")) || i.isAfter(Instant.parse("9999-12-31T23:59:59Z"))) {
        return null;
      }
      return new TimeValue(false, i.toEpochMilli());
    }

    private static long signed(String sign, long n, char unit) {
      long ms = unit == 's' ? 1000L : unit == 'm' ? 60_000L : unit == 'h' ? 3_600_000L : 86_400_000L;
      return Math.multiplyExact("-".equals(sign) ? -1 : 1, Math.multiplyExact(n, ms));
    }
  }
}
