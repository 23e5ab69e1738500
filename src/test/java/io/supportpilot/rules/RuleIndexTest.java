package io.supportpilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The string-equality index of error rules: it only ever skips rules that cannot match. */
class RuleIndexTest {

  private static final String[] TYPES = {"ExactApiError", "RateLimitError", "TokenExpiredError", null};
  private static final String[] SOURCES = {"mcp", "sentry"};

  @Test
  void candidatesAreExactlyTheRulesThatCanMatch() {
    // Verifies on 300 random events against 70 rules (plain values, $eq, $in, inside $and, under $or and $not where
    // they must not index, $ne, $nin, null and missing values) that the indexed loop matches the same rules in the
    // same order as testing every rule, and that rules without an equality requirement are always candidates.
    List<String> conditions = new ArrayList<>();
    for (String t : new String[] {"ExactApiError", "RateLimitError", "Nope"}) {
      conditions.add("{\"error_type\": \"" + t + "\"}");
      conditions.add("{\"error_type\": {\"$eq\": \"" + t + "\"}, \"status_code\": {\"$gte\": 500}}");
      conditions.add("{\"error_type\": {\"$in\": [\"" + t + "\", \"TokenExpiredError\"]}}");
      conditions.add("{\"$and\": [{\"source\": \"sentry\"}, {\"error_type\": \"" + t + "\"}]}");
      conditions.add("{\"$or\": [{\"error_type\": \"" + t + "\"}, {\"status_code\": 429}]}");
      conditions.add("{\"$not\": {\"error_type\": \"" + t + "\"}}");
      conditions.add("{\"error_type\": {\"$ne\": \"" + t + "\"}}");
      conditions.add("{\"error_type\": {\"$nin\": [\"" + t + "\"]}}");
      conditions.add("{\"error_type\": {\"$eq\": null}}");
      conditions.add("{\"source\": \"mcp\", \"error_type\": {\"$in\": [\"" + t + "\"]}, \"tool\": {\"$exists\": true}}");
    }
    for (int i = 0; i < 40; i++) {
      conditions.add(i % 2 == 0 ? "{\"status_code\": {\"$gte\": " + (400 + i) + "}}" : "{\"source\": \"mcp\"}");
    }
    List<JsonObject> jsons = conditions.stream().map(JsonObject::new).toList();
    List<Condition> compiled = jsons.stream()
        .map(j -> ConditionCompiler.compile(j, Schema.ERROR, "trigger_condition")).toList();
    RuleIndex index = RuleIndex.of(jsons, Schema.ERROR);
    assertEquals(70, index.size());
    Random random = new Random(7);
    Instant at = Instant.parse("2026-12-01T12:00:00Z");
    for (int n = 0; n < 300; n++) {
      ErrorEvent e = new ErrorEvent(SOURCES[random.nextInt(2)], "ev", "u", "c", random.nextBoolean() ? "t" : null,
          TYPES[random.nextInt(TYPES.length)], null, random.nextBoolean() ? 500 + random.nextInt(5) : 429, "error",
          "m", null, null, "fp", at, at);
      List<Integer> plain = new ArrayList<>();
      for (int r = 0; r < compiled.size(); r++) {
        if (compiled.get(r).test(new ErrorSubject(e), at.toEpochMilli())) {
          plain.add(r);
        }
      }
      List<Integer> indexed = new ArrayList<>();
      ErrorSubject s = new ErrorSubject(e);
      long[] candidates = index.candidates(s);
      for (int w = 0; w < candidates.length; w++) {
        for (long bits = candidates[w]; bits != 0; bits &= bits - 1) {
          int r = (w << 6) + Long.numberOfTrailingZeros(bits);
          if (compiled.get(r).test(s, at.toEpochMilli())) {
            indexed.add(r);
          }
        }
      }
      assertEquals(plain, indexed, e.toString());
    }
    ErrorEvent other = new ErrorEvent("mcp", "ev", "u", "c", "t", "SomethingElse", null, 500, "error", "m", null,
        null, "fp", at, at);
    long[] candidates = index.candidates(new ErrorSubject(other));
    assertEquals(0, candidates[0] & 0b1111, "rules requiring another error_type are skipped");
    assertEquals(0b100000, candidates[0] & 0b100000, "a $not is never indexed");
  }
}
