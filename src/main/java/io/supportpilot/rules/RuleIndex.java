package io.supportpilot.rules;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of a trigger type's rules an object can match at all, by hashing on string equality (the alpha-node index of
 * Rete engines): a rule whose condition requires a string field to equal one of a few values (a plain value,
 * {@code $eq} or {@code $in}, at the top level or inside a top-level {@code $and}) is filed under those values, so an
 * event only tests the rules filed under its own values and the rules without such a requirement. It never changes
 * which rules match, nor their order: the candidates come back as a bit set over the rules' positions.
 */
final class RuleIndex {

  /** A requirement with more values than this is not worth a hash entry per value. */
  static final int MAX_VALUES = 32;

  private static final RuleIndex EMPTY = new RuleIndex(0, new long[0], new int[0], List.of());

  private final int size;
  private final long[] unguarded;
  private final int[] slots;
  private final List<Map<String, long[]>> bySlot;

  private RuleIndex(int size, long[] unguarded, int[] slots, List<Map<String, long[]>> bySlot) {
    this.size = size;
    this.unguarded = unguarded;
    this.slots = slots;
    this.bySlot = bySlot;
  }

  /** The index of {@code conditions} (validated against {@code schema}), in their order. */
  static RuleIndex of(List<JsonObject> conditions, Schema schema) {
    if (conditions.isEmpty()) {
      return EMPTY;
    }
    int words = (conditions.size() + 63) / 64;
    long[] unguarded = new long[words];
    Map<Integer, Map<String, long[]>> index = new HashMap<>();
    for (int r = 0; r < conditions.size(); r++) {
      Requirement best = null;
      for (Requirement q : requirements(conditions.get(r), schema, new ArrayList<>())) {
        if (best == null || q.values().size() < best.values().size()) {
          best = q;
        }
      }
      if (best == null) {
        unguarded[r >>> 6] |= 1L << r;
        continue;
      }
      Map<String, long[]> byValue = index.computeIfAbsent(best.slot(), k -> new HashMap<>());
      for (String v : best.values()) {
        byValue.computeIfAbsent(v, k -> new long[words])[r >>> 6] |= 1L << r;
      }
    }
    int[] slots = index.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    List<Map<String, long[]>> bySlot = new ArrayList<>();
    for (int slot : slots) {
      bySlot.add(Map.copyOf(index.get(slot)));
    }
    return new RuleIndex(conditions.size(), unguarded, slots, List.copyOf(bySlot));
  }

  /** A string field that must equal one of {@code values}. */
  private record Requirement(int slot, Set<String> values) {
  }

  /** The string-equality requirements every match of {@code o} meets (entries of an object all hold). */
  private static List<Requirement> requirements(JsonObject o, Schema schema, List<Requirement> out) {
    for (Map.Entry<String, Object> e : o) {
      String key = e.getKey();
      Object v = e.getValue();
      if (key.equals("$and") && v instanceof JsonArray) {
        for (Object item : (JsonArray) v) {
          if (item instanceof JsonObject) {
            requirements((JsonObject) item, schema, out);
          }
        }
        continue;
      }
      Schema.Field f = key.startsWith("$") ? null : schema.field(key);
      if (f == null || f.type() != FieldType.STRING) {
        continue;
      }
      if (v instanceof String) {
        out.add(new Requirement(f.slot(), Set.of((String) v)));
      } else if (v instanceof JsonObject) {
        JsonObject ops = (JsonObject) v;
        if (ops.getValue("$eq") instanceof String) {
          out.add(new Requirement(f.slot(), Set.of(ops.getString("$eq"))));
        }
        Set<String> in = strings(ops.getValue("$in"));
        if (in != null) {
          out.add(new Requirement(f.slot(), in));
        }
      }
    }
    return out;
  }

  private static Set<String> strings(Object v) {
    if (!(v instanceof JsonArray) || ((JsonArray) v).isEmpty() || ((JsonArray) v).size() > MAX_VALUES) {
      return null;
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object x : (JsonArray) v) {
      if (!(x instanceof String)) {
        return null;
      }
      out.add((String) x);
    }
    return out;
  }

  /** The positions of the rules {@code s} can match, as a bit set (bit r of word r / 64); a fresh array. */
  long[] candidates(Subject s) {
    long[] out = unguarded.clone();
    for (int k = 0; k < slots.length; k++) {
      String v = s.string(slots[k]);
      long[] bits = v == null ? null : bySlot.get(k).get(v);
      if (bits != null) {
        for (int w = 0; w < out.length; w++) {
          out[w] |= bits[w];
        }
      }
    }
    return out;
  }

  /** How many rules the index covers. */
  int size() {
    return size;
  }
}
