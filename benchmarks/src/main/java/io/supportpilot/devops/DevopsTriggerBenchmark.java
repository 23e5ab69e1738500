package io.supportpilot.devops;

import io.supportpilot.bench.BenchmarkBase;
import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The DevOps agent's per-event work on the ingestion path: deciding whether a stored Sentry error starts a task
 * (the storm case, where the issue's key was seen a moment ago, and a new issue), and redacting a condensed Sentry
 * event before it reaches a prompt. (It lives in the devops package to reach its package-private parts.)
 */
@State(Scope.Benchmark)
public class DevopsTriggerBenchmark extends BenchmarkBase {

  private SentryTrigger trigger;
  private ErrorEvent storm;
  private ErrorEvent[] fresh;
  private String[] keys;
  private int next;
  private JsonObject event;

  @Setup
  public void setup() {
    trigger = new SentryTrigger(60_000);
    storm = event("4711");
    fresh = new ErrorEvent[4096];
    keys = new String[fresh.length];
    for (int i = 0; i < fresh.length; i++) {
      fresh[i] = event(String.valueOf(100_000 + i));
      keys[i] = "sentry:" + (100_000 + i);
    }
    trigger.check(storm, 0);
    JsonArray frames = new JsonArray();
    for (int i = 0; i < 20; i++) {
      frames.add(new JsonObject().put("filename", "src/sync/file" + i + ".ts").put("function", "fn" + i)
          .put("lineNo", i).put("inApp", i % 2 == 0).put("context_line", "  const token = conn.refreshToken;"));
    }
    event = new JsonObject().put("eventID", "ev").put("exception", new JsonArray().add(new JsonObject()
        .put("type", "TypeError").put("value", "Cannot read properties of undefined")))
        .put("frames", frames).put("breadcrumbs", new JsonArray().add(new JsonObject()
            .put("message", "POST /oauth2/token Authorization: Bearer abcdefghijklmnop1234")))
        .put("tags", new JsonObject().put("environment", "production").put("authorization", "secret"));
  }

  private static ErrorEvent event(String issueId) {
    String ctx = new JsonObject().put("sentry", new JsonObject().put("issue_id", issueId)
        .put("web_url", "https://acme.sentry.io/issues/" + issueId + "/").put("title", "TypeError: x")).encode();
    return new ErrorEvent("sentry", "e" + issueId, null, null, null, "TypeError", null, null, "error",
        "Cannot read properties of undefined (reading 'value')", "  at syncInvoices (src/sync/invoices.ts:5)\n", ctx,
        "fp" + issueId, Instant.EPOCH, Instant.EPOCH);
  }

  /** An event of an issue whose key was seen a moment ago (every event of a storm after the first). */
  @Benchmark
  public Object stormEvent() {
    return trigger.check(storm, 1);
  }

  /** An event of a new issue: key, details and redaction. */
  @Benchmark
  public Object newIssue() {
    int i = next++ & (fresh.length - 1);
    trigger.forget(keys[i]);
    return trigger.check(fresh[i], 1);
  }

  /** Redacting a condensed Sentry event (20 frames, breadcrumbs, tags) before it goes into a prompt. */
  @Benchmark
  public Object redactEvent() {
    return Redactor.json(event);
  }
}
