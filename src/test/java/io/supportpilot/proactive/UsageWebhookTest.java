package io.supportpilot.proactive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code POST /api/webhooks/usage}: signed, validated per item, idempotent on call_id, rolled up exactly once. */
@Timeout(180)
class UsageWebhookTest {

  static String pg;
  static Engine engine;
  static int port;
  static final Clock CLOCK = Clock.systemUTC();

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("UsageWebhookTest");
    engine = ProactiveFixture.start(ProactiveFixture.env(pg, 2525), CLOCK);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  // Verifies that a batch is counted once: 202 with every call accepted, the same batch again 200 with every call a
  // duplicate, and the rollups (hourly, daily, activity) hold each call exactly once; failed calls count as errors.
  @Test
  void retriedBatchNeverCountsTwice() {
    Instant at = Instant.now().minus(Duration.ofMinutes(5));
    String body = "[" + ProactiveFixture.call("r-1", "u-r", "get_invoices", "ok", at) + ","
        + ProactiveFixture.call("r-2", "u-r", "get_invoices", "error", at) + ","
        + ProactiveFixture.call("r-3", "u-r", "create_entry", "200", at).replace("\"200\"", "200") + "]";
    HttpResponse<String> first = ProactiveFixture.usage(port, CLOCK, body, "application/json");
    assertEquals(202, first.statusCode(), first.body());
    assertEquals(3, new JsonObject(first.body()).getInteger("accepted"));
    HttpResponse<String> again = ProactiveFixture.usage(port, CLOCK, body, "application/json");
    assertEquals(200, again.statusCode(), again.body());
    assertEquals(3, new JsonObject(again.body()).getInteger("duplicates"));
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE user_id = 'u-r'"));
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id = 'u-r'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT sum(errors) FROM api_usage_hourly WHERE user_id = 'u-r'"));
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_daily WHERE user_id = 'u-r'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM usage_activity WHERE user_id = 'u-r'"));
  }

  // Verifies per-item validation: a batch with a valid call, a call without call_id, a call from before the retention
  // and a duplicate inside the batch answers 207 with the rejected items named; nothing invalid is stored.
  @Test
  void badItemsAreRejectedAlone() {
    Instant at = Instant.now();
    String ndjson = ProactiveFixture.call("v-1", "u-v", "get_invoices", "ok", at) + "\n"
        + new JsonObject().put("user_id", "u-v").put("tool", "t").put("status", "ok").put("at", at.toString()).encode()
        + "\n" + ProactiveFixture.call("v-old", "u-v", "get_invoices", "ok", at.minus(Duration.ofDays(30))) + "\n"
        + ProactiveFixture.call("v-1", "u-v", "get_invoices", "ok", at) + "\n";
    HttpResponse<String> r = ProactiveFixture.usage(port, CLOCK, ndjson, "application/x-ndjson");
    assertEquals(207, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body());
    assertEquals(1, out.getInteger("accepted"));
    assertEquals(1, out.getInteger("duplicates"));
    assertEquals(2, out.getInteger("rejected"));
    JsonArray errors = out.getJsonArray("errors");
    assertEquals(1, errors.getJsonObject(0).getInteger("index"));
    assertTrue(errors.getJsonObject(0).getString("detail").contains("call_id"), errors.encode());
    assertTrue(errors.getJsonObject(1).getString("detail").contains("retention"), errors.encode());
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE user_id = 'u-v'"));
  }

  // Verifies that text Postgres cannot store (a NUL, also a trailing one that trimming would hide) and a time with
  // no epoch millisecond are rejected per item with 207, while the valid call of the same batch is stored.
  @Test
  void unstorableItemsAreRejectedAloneNotRetriedForever() {
    Instant at = Instant.now();
    String ndjson = ProactiveFixture.call("w-ok", "u-w", "get_invoices", "ok", at) + "\n"
        + new JsonObject().put("call_id", "w-nul").put("user_id", "u-w\u0000x").put("tool", "t").put("status", "ok")
            .put("at", at.toString()).encode() + "\n"
        + new JsonObject().put("call_id", "w-trailing\u0000").put("user_id", "u-w").put("tool", "t")
            .put("status", "ok").put("at", at.toString()).encode() + "\n"
        + new JsonObject().put("call_id", "w-far").put("user_id", "u-w").put("tool", "t").put("status", "ok")
            .put("at", "+999999999-01-01T00:00:00Z").encode() + "\n";
    HttpResponse<String> r = ProactiveFixture.usage(port, CLOCK, ndjson, "application/x-ndjson");
    assertEquals(207, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body());
    assertEquals(1, out.getInteger("accepted"), r.body());
    assertEquals(3, out.getInteger("rejected"), r.body());
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE user_id = 'u-w'"));
  }

  // Verifies the edge checks: unsigned 401, wrong media type 415, not JSON 400, nothing valid 400.
  @Test
  void refusesUnsignedAndMalformedBodies() {
    String one = ProactiveFixture.call("x-1", "u-x", "t", "ok", Instant.now());
    HttpResponse<String> unsigned = Http.post(port, UsageRoutes.PATH, one, "Content-Type", "application/json");
    assertEquals(401, unsigned.statusCode());
    assertEquals("unauthorized", new JsonObject(unsigned.body()).getString("error"));
    assertEquals(415, ProactiveFixture.usage(port, CLOCK, one, "text/plain").statusCode());
    HttpResponse<String> broken = ProactiveFixture.usage(port, CLOCK, "{\"call_id\": ", "application/json");
    assertEquals(400, broken.statusCode(), broken.body());
    HttpResponse<String> none = ProactiveFixture.usage(port, CLOCK, "[{\"call_id\": \"x\"}]", "application/json");
    assertEquals(400, none.statusCode(), none.body());
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE user_id = 'u-x'"));
  }

  // Verifies exactly-once under concurrency: 16 batches sent at once, each overlapping its neighbour by half, count
  // every distinct call once, in the raw table and in every rollup, and the acknowledged totals add up.
  @Test
  void concurrentOverlappingBatchesCountEachCallOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Instant at = Instant.now().minus(Duration.ofMinutes(1));
      List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
      for (int b = 0; b < 16; b++) {
        StringBuilder sb = new StringBuilder();
        for (int i = b * 200; i < b * 200 + 400; i++) {
          sb.append(ProactiveFixture.call("c-" + i, "u-c" + (i % 7), "tool-" + (i % 3), "ok", at)).append('\n');
        }
        String body = sb.toString();
        sent.add(CompletableFuture.supplyAsync(() -> ProactiveFixture.usage(port, CLOCK, body,
            "application/x-ndjson"), pool));
      }
      long accepted = 0;
      for (CompletableFuture<HttpResponse<String>> f : sent) {
        HttpResponse<String> r = f.get();
        assertTrue(r.statusCode() == 202 || r.statusCode() == 200, r.body());
        accepted += new JsonObject(r.body()).getInteger("accepted");
      }
      long distinct = 15 * 200 + 400;
      assertEquals(distinct, accepted);
      assertEquals(distinct, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE call_id LIKE 'c-%'"));
      assertEquals(distinct, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id "
          + "LIKE 'u-c%'"));
      assertEquals(distinct, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_daily WHERE user_id "
          + "LIKE 'u-c%'"));
    } finally {
      pool.shutdownNow();
    }
  }
}
