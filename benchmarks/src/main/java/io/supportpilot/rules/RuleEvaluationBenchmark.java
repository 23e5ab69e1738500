package io.supportpilot.rules;

import io.supportpilot.bench.BenchmarkBase;
import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The error-rule hot path per stored event, as the rule engine runs it: wrap the event as a subject, ask the
 * {@link RuleIndex} which rules it can match, and test those rules' compiled conditions. {@code rules} compiled rules with a realistic mix (status thresholds,
 * type equality and sets, $and/$or/$not, $exists, $contains, and one regex in ten, the same expression or ten
 * different ones); events cycle through 64
 * variants so branches and string contents vary. Target: 100 rules <= 2 µs per event.
 */
@State(Scope.Thread)
public class RuleEvaluationBenchmark extends BenchmarkBase {

  @Param({"100"})
  public int rules;

  /**
   * {@code shared}: the ten regex rules use one expression (rules that differ only in their actions), which an event
   * evaluates once; {@code distinct}: ten different expressions (see {@link #REGEXES}), each evaluated.
   */
  @Param({"shared", "distinct"})
  public String regexes = "shared";

  /**
   * Ten expressions an operator might write about these messages: different literals, two that match most events,
   * one alternation (no literal to test first), bounded and optional parts. JSON-escaped.
   */
  private static final String[] REGEXES = {"(?i)timeout after \\\\d+ ?ms", "(?i)failed after \\\\d+ ?ms",
      "(?i)division 44\\\\d\\\\d failed", "(?i)rate ?limit(ed)? \\\\d+", "(?i)token (expired|revoked)",
      "(?i)\\\\(attempt [0-3]\\\\)", "(?i)request for division \\\\d{4}", "(?i)gateway time-?out",
      "(?i)connection (reset|refused)", "(?i)quota exceeded for \\\\w+"};

  private Condition[] conditions;
  private RuleIndex index;
  private ErrorEvent[] events;
  private long now;
  private int i;

  @Setup
  public void setup() {
    String[] types = {"ExactApiError", "RateLimitError", "TokenExpiredError", "ValidationError", "TimeoutError",
        "DivisionLookupError", "InvoiceSyncError", "NetworkError"};
    List<Condition> list = new ArrayList<>();
    List<JsonObject> jsons = new ArrayList<>();
    for (int r = 0; r < rules; r++) {
      String type = types[r % types.length];
      String json;
      switch (r % 10) {
        case 0:
          json = "{\"status_code\": {\"$gte\": " + (500 + r % 5) + "}}";
          break;
        case 1:
          json = "{\"error_type\": \"" + type + "\", \"status_code\": {\"$in\": [401, 403, 429]}}";
          break;
        case 2:
          json = "{\"$or\": [{\"error_type\": \"" + type + "\"}, {\"error_code\": \"E_" + r + "\"}]}";
          break;
        case 3:
          json = "{\"error_type\": {\"$in\": [\"" + type + "\", \"" + types[(r + 3) % types.length] + "\"]}, "
              + "\"user_id\": {\"$exists\": true}}";
          break;
        case 4:
          json = "{\"message\": {\"$contains\": \"division " + (4400 + r) + "\"}}";
          break;
        case 5:
          json = "{\"$and\": [{\"status_code\": {\"$gte\": 400, \"$lt\": 500}}, {\"$not\": {\"tool\": \"get_"
              + type + "\"}}]}";
          break;
        case 6:
          json = "{\"message\": {\"$regex\": \"" + ("shared".equals(regexes) ? REGEXES[0] : REGEXES[r / 10])
              + "\"}}";
          break;
        case 7:
          json = "{\"source\": \"sentry\", \"level\": {\"$in\": [\"fatal\", \"error\"]}}";
          break;
        case 8:
          json = "{\"error_type\": \"" + type + "\", \"occurred_at\": {\"$gte\": \"now-1h\"}}";
          break;
        default:
          json = "{\"fingerprint\": {\"$nin\": [\"fp-" + r + "\", \"fp-x\"]}, \"status_code\": {\"$ne\": 404}}";
      }
      jsons.add(new JsonObject(json));
      list.add(ConditionCompiler.compile(jsons.get(r), Schema.ERROR, "trigger_condition"));
    }
    conditions = list.toArray(new Condition[0]);
    index = RuleIndex.of(jsons, Schema.ERROR);
    now = System.currentTimeMillis();
    Instant at = Instant.ofEpochMilli(now - 5_000);
    events = new ErrorEvent[64];
    int[] statuses = {502, 401, 429, 400, 500, 404, 503, 422};
    for (int k = 0; k < events.length; k++) {
      String type = types[k % types.length];
      events[k] = new ErrorEvent(k % 5 == 0 ? "sentry" : "mcp", "ev-" + k, k % 3 == 0 ? null : "user-" + k, "conn-" + k,
          "get_invoices", type, "E_" + k, statuses[k % statuses.length], "error",
          type + ": request for division " + (4400 + k) + " failed after " + (k * 37) + " ms (attempt " + k % 4 + ")",
          null, null, "fp-" + k, at, at);
    }
  }

  /** All {@code rules} conditions against one event; returns the number that matched. */
  @Benchmark
  public int evaluateAllRules() {
    ErrorEvent e = events[i++ & 63];
    ErrorSubject s = new ErrorSubject(e);
    int matched = 0;
    long[] candidates = index.candidates(s);
    for (int word = 0; word < candidates.length; word++) {
      for (long bits = candidates[word]; bits != 0; bits &= bits - 1) {
        if (conditions[(word << 6) + Long.numberOfTrailingZeros(bits)].test(s, now)) {
          matched++;
        }
      }
    }
    return matched;
  }
}
