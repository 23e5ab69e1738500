package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 240, unit = TimeUnit.SECONDS)
class IngestResilienceTest {

  static String id() {
    return UUID.randomUUID().toString();
  }

  @Test
  void whilePostgresIsDownSendersGet503WithRetryAfterAndIngestionRecoversByItself() throws Exception {
    // Verifies 503 + Retry-After while the store is down, nothing acknowledged is lost, and recovery without restart;
    // also that a source without a configured secret is refused even when signed.
    Path dir = Files.createTempDirectory("pgdown-ingest");
    EmbeddedPostgres own = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).start();
    int pgPort = own.getPort();
    String url = "postgresql://postgres:postgres@localhost:" + pgPort + "/postgres";
    Map<String, String> env = TestEngine.env(url);
    env.remove("SENTRY_CLIENT_SECRET");
    env.put("INGEST_STORE_PROBE_INTERVAL", "200ms");
    Engine e = TestEngine.start(env);
    Set<String> acked = ConcurrentHashMap.newKeySet();
    try {
      HttpResponse<String> sentry = Webhooks.sentry(e.port(), "issue", "{\"action\":\"created\"}");
      assertEquals(401, sentry.statusCode());
      assertTrue(sentry.body().contains("SENTRY_CLIENT_SECRET"), sentry.body());

      String first = id();
      assertEquals(202, Webhooks.mcp(e.port(), Webhooks.mcpError(first, "u1", "before").encode()).statusCode());
      acked.add(first);
      own.close();
      int unavailable = 0;
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = Webhooks.mcp(e.port(), Webhooks.mcpError(id(), "u1", "during").encode());
        if (r.statusCode() == 503) {
          unavailable++;
          assertNotNull(r.headers().firstValue("Retry-After").orElse(null), "Retry-After on 503");
          assertEquals("unavailable", new JsonObject(r.body()).getString("error"));
        }
        assertTrue(r.statusCode() == 503, "never a 2xx while the store is down: " + r.statusCode());
      }
      assertEquals(5, unavailable);
      own = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(pgPort).start();
      // Senders keep sending (each a new event); every answer is a 503 until the store is back, then a 202.
      Await.until("ingestion recovers by itself", Duration.ofSeconds(30), () -> {
        String eid = id();
        HttpResponse<String> r = Webhooks.mcp(e.port(), Webhooks.mcpError(eid, "u1", "after").encode());
        if (r.statusCode() == 202) {
          acked.add(eid);
          return true;
        }
        assertEquals(503, r.statusCode(), r.body());
        return false;
      });
      assertEquals(acked.size(), TestDatabase.queryLong(url, "SELECT count(*) FROM support_error_log WHERE event_id IN "
          + TestDatabase.inList(acked)));
    } finally {
      e.stop();
      own.close();
      io.supportpilot.testing.TestDatabase.deleteTree(dir);
    }
  }

  @Test
  void whenTheWriterIsFullSendersGet429AndAcceptedEventsAreStored() throws Exception {
    // Verifies bounded in-flight work: with the table locked, requests beyond the bound get 429 + Retry-After,
    // and every 202 is in Postgres once the lock is released. Also runs retention on old rows in small batches.
    String db = TestDatabase.freshDatabase("IngestOverload");
    Map<String, String> env = TestEngine.env(db);
    env.put("INGEST_MAX_IN_FLIGHT", "8");
    env.put("INGEST_WRITER_INSTANCES", "1");
    env.put("INGEST_RETENTION_DAYS", "1");
    env.put("INGEST_RETENTION_INTERVAL", "300ms");
    env.put("INGEST_RETENTION_BATCH_SIZE", "7");
    Engine e = TestEngine.start(env);
    try {
      List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      try (Connection c = TestDatabase.connect(db)) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("LOCK TABLE support_error_log IN ACCESS EXCLUSIVE MODE");
        }
        for (int i = 0; i < 60; i++) {
          String eid = id();
          ids.add(eid);
          fs.add(Webhooks.mcpAsync(e.port(), Webhooks.mcpError(eid, "u-" + i, "overload " + i).encode()));
        }
        // The first requests fill the writer; the rest are answered 429 at once.
        Await.value("52 of the 60 requests answered while the table is locked", Duration.ofSeconds(20),
            () -> fs.stream().filter(CompletableFuture::isDone).count(), answered -> answered >= 52);
        c.commit();
      }
      Set<String> accepted = new java.util.HashSet<>();
      int overloaded = 0;
      for (int i = 0; i < fs.size(); i++) {
        HttpResponse<String> r = fs.get(i).join();
        if (r.statusCode() == 202) {
          accepted.add(ids.get(i));
        } else {
          assertEquals(429, r.statusCode(), r.body());
          assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
          overloaded++;
        }
      }
      assertTrue(overloaded >= 40, "most requests were refused with 429: " + overloaded);
      assertTrue(accepted.size() >= 1 && accepted.size() <= 8, "at most the bound was accepted: " + accepted.size());
      assertEquals(accepted.size(), TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE "
          + "event_id IN " + TestDatabase.inList(accepted)));
      String later = id();
      assertEquals(202, Webhooks.mcp(e.port(), Webhooks.mcpError(later, "u", "after the lock").encode()).statusCode());

      // Retention: 50 rows three days old disappear in batches of 7; recent rows stay.
      TestDatabase.exec(db, "INSERT INTO support_error_log (event_id, source, error_type, fingerprint, occurred_at,"
          + " created_at) SELECT 'old-' || g, 'mcp', 'Old', 'f', now() - interval '3 days', now() - interval '3 days'"
          + " FROM generate_series(1, 50) g");
      Await.value("retention deletes the 50 old rows (value: how many are left)", Duration.ofSeconds(30),
          () -> TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id LIKE 'old-%'"),
          left -> left == 0);
      assertEquals(1, TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id = '" + later
          + "'"));
      String metrics = Http.get(e.port(), "/metrics").body();
      assertTrue(metrics.contains("supportpilot_ingest_retention_deleted_total 50.0"), metrics);
      assertTrue(metrics.contains("supportpilot_ingest_events_total{outcome=\"rejected\",reason=\"overloaded\""));
    } finally {
      e.stop();
    }
  }

  @Test
  void aGracefulStopLosesNoAcknowledgedEvent() throws Exception {
    // Verifies the shutdown order: events posted concurrently while engine.stop() runs; every 2xx is in Postgres.
    String db = TestDatabase.freshDatabase("IngestShutdown");
    Engine e = TestEngine.start(TestEngine.env(db));
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger failed = new AtomicInteger();
    AtomicBoolean sending = new AtomicBoolean(true);
    Semaphore window = new Semaphore(64);
    Thread sender = new Thread(() -> {
      int i = 0;
      while (sending.get()) {
        try {
          window.acquire();
        } catch (InterruptedException ex) {
          return;
        }
        String eid = id();
        Webhooks.mcpAsync(e.port(), Webhooks.mcpError(eid, "u-" + (i % 50), "shutdown " + i).encode())
            .whenComplete((r, ex) -> {
              window.release();
              if (ex == null && (r.statusCode() == 202 || r.statusCode() == 200)) {
                acked.add(eid);
              } else {
                failed.incrementAndGet();
              }
            });
        i++;
      }
    });
    sender.start();
    try {
      Await.value("500 events acknowledged before the stop", Duration.ofSeconds(30), acked::size, n -> n >= 500);
    } finally {
      e.stop();
      sending.set(false);
      sender.join(10_000);
      window.acquire(64);
    }
    assertTrue(acked.size() >= 500, "events were acknowledged before the stop: " + acked.size());
    long stored = TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id IN "
        + TestDatabase.inList(acked));
    assertEquals(acked.size(), stored, "every acknowledged event is in Postgres (" + failed.get()
        + " requests failed or were refused during the stop)");
  }
}
