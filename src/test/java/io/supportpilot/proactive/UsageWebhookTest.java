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
  void retriedBatchNeverCountsTwice() throws Exception {
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
    ProactiveFixture.rolledUp(engine);
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
      ProactiveFixture.rolledUp(engine);
      assertEquals(distinct, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id "
          + "LIKE 'u-c%'"));
      assertEquals(distinct, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_daily WHERE user_id "
          + "LIKE 'u-c%'"));
    } finally {
      pool.shutdownNow();
    }
  }

  // Verifies that the rollups trail the acknowledgement and then hold every call once: after the 202 the raw calls are
  // stored and pending, the rollups do not have them yet; rolled up, the hourly and daily rollups and the activity
  // have them (errors and durations summed), nothing is pending, and rolling up again adds nothing.
  @Test
  void rollupsTrailTheAcknowledgementAndCountEachCallOnce() throws Exception {
    // Half an hour before yesterday's midnight in Amsterdam (the rollup's time zone), so the calls span two hours and
    // two local days.
    java.time.ZoneId ams = java.time.ZoneId.of("Europe/Amsterdam");
    Instant midnight = java.time.LocalDate.now(ams).minusDays(1).atStartOfDay(ams).toInstant();
    Instant at = midnight.minus(Duration.ofMinutes(30));
    String body = ProactiveFixture.call("t-1", "u-t", "get_invoices", "ok", at) + "\n"
        + ProactiveFixture.call("t-2", "u-t", "get_invoices", "error", at.plusSeconds(60)) + "\n"
        + ProactiveFixture.call("t-3", "u-t", "get_balance", "ok", at.plus(Duration.ofHours(1))) + "\n";
    HttpResponse<String> r = ProactiveFixture.usage(port, CLOCK, body, "application/x-ndjson");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE user_id = 'u-t'"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage_hourly WHERE user_id = 'u-t'"));
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT coalesce(sum(cardinality(user_ids)), 0) FROM usage_pending "
        + "WHERE 'u-t' = ANY(user_ids)"));
    assertTrue(ProactiveFixture.rolledUp(engine) >= 3);
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM usage_pending"));
    // (get_invoices, the hour before midnight) with two calls, one an error; (get_balance, the hour after) with one.
    assertEquals(2, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage_hourly WHERE user_id = 'u-t'"));
    assertEquals(2, TestDatabase.queryLong(pg, "SELECT calls FROM api_usage_hourly WHERE user_id = 'u-t' "
        + "AND tool = 'get_invoices' AND hour = '" + at.truncatedTo(java.time.temporal.ChronoUnit.HOURS) + "'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT sum(errors) FROM api_usage_hourly WHERE user_id = 'u-t'"));
    assertEquals(126, TestDatabase.queryLong(pg, "SELECT sum(duration_ms) FROM api_usage_hourly WHERE user_id = 'u-t'"));
    assertEquals(2, TestDatabase.queryLong(pg, "SELECT count(DISTINCT day) FROM api_usage_daily WHERE user_id = 'u-t'"));
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_daily WHERE user_id = 'u-t'"));
    assertEquals(3600, TestDatabase.queryLong(pg, "SELECT extract(epoch FROM last_at - first_at)::bigint "
        + "FROM usage_activity WHERE user_id = 'u-t'"));
    assertEquals(0, ProactiveFixture.rolledUp(engine));
    assertEquals(3, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id = 'u-t'"));
  }

  // Verifies exactly-once across instances: two engines on one database take batches, then both roll up at the same
  // moment, four times each; every call is in the rollups once (the pending rows one instance holds, the other skips).
  @Test
  void twoInstancesRollUpEachCallOnce() throws Exception {
    Engine second = ProactiveFixture.start(ProactiveFixture.env(pg, 2525), CLOCK);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      Instant at = Instant.now().minus(Duration.ofMinutes(2));
      for (int b = 0; b < 40; b++) {
        StringBuilder sb = new StringBuilder();
        for (int i = b * 50; i < b * 50 + 50; i++) {
          sb.append(ProactiveFixture.call("pair-" + i, "u-pair" + (i % 11), "tool-" + (i % 3), "ok", at)).append('\n');
        }
        int target = b % 2 == 0 ? port : second.port();
        assertEquals(202, ProactiveFixture.usage(target, CLOCK, sb.toString(), "application/x-ndjson").statusCode());
      }
      List<CompletableFuture<Long>> drains = new ArrayList<>();
      for (int k = 0; k < 8; k++) {
        Engine e = k % 2 == 0 ? engine : second;
        drains.add(CompletableFuture.supplyAsync(() -> {
          try {
            return ProactiveFixture.rolledUp(e);
          } catch (Exception x) {
            throw new IllegalStateException(x);
          }
        }, threads));
      }
      for (CompletableFuture<Long> f : drains) {
        f.get();
      }
      ProactiveFixture.rolledUp(engine);
      assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM usage_pending"));
      assertEquals(2000, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id LIKE 'u-pair%'"));
      assertEquals(2000, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_daily WHERE user_id LIKE 'u-pair%'"));
      assertEquals(11, TestDatabase.queryLong(pg, "SELECT count(*) FROM usage_activity WHERE user_id LIKE 'u-pair%'"));
    } finally {
      threads.shutdownNow();
      second.stop();
    }
  }

  // Verifies that erasing a customer also covers calls not yet rolled up: they are rolled up under the pseudonym,
  // so no rollup row carries the erased id.
  @Test
  void erasureCoversCallsNotYetRolledUp() throws Exception {
    ProactiveFixture.user(port, "u-gone", "gone@example.com", "pro", "en");
    Instant at = Instant.now().minus(Duration.ofMinutes(3));
    String body = ProactiveFixture.call("g-1", "u-gone", "get_invoices", "ok", at) + "\n"
        + ProactiveFixture.call("g-2", "u-stays", "get_invoices", "ok", at) + "\n";
    assertEquals(202, ProactiveFixture.usage(port, CLOCK, body, "application/x-ndjson").statusCode());
    assertEquals(204, Http.method(port, "DELETE", "/api/support/users/u-gone", "", Http.portal()).statusCode());
    ProactiveFixture.rolledUp(engine);
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage_hourly WHERE user_id = 'u-gone'"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM usage_activity WHERE user_id = 'u-gone'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id LIKE 'erased-%'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id = 'u-stays'"));
  }

  // Verifies the backpressure on the rollup backlog: with usage.max-pending-calls at 5, while the pending calls cannot
  // be rolled up (another session holds their rows) the webhook answers 429 with Retry-After and stores nothing; once
  // they are rolled up it accepts again. Nothing acknowledged is lost: every call is in the rollups at the end.
  @Test
  void aRollupBacklogBeyondTheLimitAnswers429() throws Exception {
    java.util.Map<String, String> env = ProactiveFixture.env(pg, 2525);
    env.put("USAGE_MAX_PENDING_CALLS", "5");
    Engine small = ProactiveFixture.start(env, CLOCK);
    try (java.sql.Connection holder = TestDatabase.connect(pg)) {
      Instant at = Instant.now().minus(Duration.ofMinutes(1));
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        sb.append(ProactiveFixture.call("bp-" + i, "u-bp", "get_invoices", "ok", at)).append('\n');
      }
      assertEquals(202, ProactiveFixture.usage(small.port(), CLOCK, sb.toString(), "application/x-ndjson")
          .statusCode());
      holder.setAutoCommit(false);
      try (java.sql.Statement st = holder.createStatement()) {
        st.execute("SELECT 1 FROM usage_pending FOR UPDATE");
      }
      ProactiveFixture.rolledUp(small);
      String more = ProactiveFixture.call("bp-late", "u-bp", "get_invoices", "ok", at) + "\n";
      HttpResponse<String> refused = ProactiveFixture.usage(small.port(), CLOCK, more, "application/x-ndjson");
      assertEquals(429, refused.statusCode(), refused.body());
      assertTrue(refused.headers().firstValue("Retry-After").isPresent());
      assertTrue(refused.body().contains("rollups are behind"), refused.body());
      assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage WHERE call_id = 'bp-late'"));
      holder.rollback();
      ProactiveFixture.rolledUp(small);
      assertEquals(202, ProactiveFixture.usage(small.port(), CLOCK, more, "application/x-ndjson").statusCode());
      ProactiveFixture.rolledUp(small);
      assertEquals(11, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_hourly WHERE user_id = 'u-bp'"));
    } finally {
      small.stop();
    }
  }
}
