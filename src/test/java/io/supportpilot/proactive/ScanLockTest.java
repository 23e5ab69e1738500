package io.supportpilot.proactive;

import io.supportpilot.testing.MovableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.supportpilot.Engine;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scaled mode: two instances on one database never both warn, and a scan interrupted by a restart sends nothing twice. */
@Timeout(240)
class ScanLockTest {

  static final Instant NOW = Instant.parse("2026-11-02T10:00:00Z");
  static GreenMail smtp;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    smtp.start();
  }

  @AfterAll
  static void stop() {
    smtp.stop();
  }

  static Map<String, String> env(String pg) {
    Map<String, String> env = ProactiveFixture.env(pg, smtp.getSmtp().getPort());
    env.put("PROACTIVE_SCAN_BATCH_SIZE", "3");
    return env;
  }

  static void connections(int port, String prefix, int n) {
    for (int i = 0; i < n; i++) {
      ProactiveFixture.user(port, prefix + i, prefix + i + "@example.nl", "pro", "nl");
      assertEquals(201, ProactiveFixture.connection(port, prefix + i, "conn-" + prefix + i,
          NOW.minus(Duration.ofDays(25))).statusCode());
    }
  }

  // Verifies that two instances scanning the same database at the same moment warn each of 12 due connections
  // exactly once (one conversation, one e-mail each), and that while another session holds the scan lock an
  // instance skips its scan instead of running a second one.
  @Test
  void twoInstancesNeverBothWarn() throws Exception {
    String pg = TestDatabase.freshDatabase("ScanLockTestTwo");
    MovableClock clock = MovableClock.at(NOW);
    Engine a = ProactiveFixture.start(env(pg), clock);
    Engine b = ProactiveFixture.start(env(pg), clock);
    int mailsBefore = smtp.getReceivedMessages().length;
    try {
      connections(a.port(), "two-", 12);
      try (Connection c = TestDatabase.connect(pg); Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + ProactiveScheduler.LOCK_KEY + ")")) {
          rs.next();
          assertTrue(rs.getBoolean(1));
        }
        JsonObject skipped = ProactiveFixture.scan(a.port());
        assertEquals(true, skipped.getBoolean("skipped"), skipped.encode());
        assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM proactive_token_warnings"));
        // Released explicitly: a closed session's locks go only once its backend has exited.
        s.execute("SELECT pg_advisory_unlock(" + ProactiveScheduler.LOCK_KEY + ")");
      }
      CompletableFuture<JsonObject> fa = CompletableFuture.supplyAsync(() -> ProactiveFixture.scan(a.port()));
      CompletableFuture<JsonObject> fb = CompletableFuture.supplyAsync(() -> ProactiveFixture.scan(b.port()));
      long warned = warned(fa.get()) + warned(fb.get());
      assertEquals(12, warned, fa.get().encode() + " " + fb.get().encode());
      assertEquals(12, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_conversations "
          + "WHERE handled_by = 'system' AND category = 'connection'"));
      assertEquals(12, TestDatabase.queryLong(pg, "SELECT count(DISTINCT user_id) FROM support_conversations "
          + "WHERE handled_by = 'system'"));
      assertEquals(12, TestDatabase.queryLong(pg, "SELECT count(*) FROM email_outbox WHERE kind = 'token_expiring'"));
      assertEquals(mailsBefore + 12, smtp.getReceivedMessages().length);
    } finally {
      a.stop();
      b.stop();
    }
  }

  // Verifies that a scan cut short (one batch of three, then the instance stops) is finished by the next instance
  // on the same database: all eight connections warned exactly once, every e-mail sent once.
  @Test
  void restartMidScanSendsNothingTwice() throws Exception {
    String pg = TestDatabase.freshDatabase("ScanLockTestRestart");
    MovableClock clock = MovableClock.at(NOW);
    int mailsBefore = smtp.getReceivedMessages().length;
    Engine first = ProactiveFixture.start(env(pg), clock);
    try {
      connections(first.port(), "rs-", 8);
      JsonObject partial = ProactiveFixture.scan(first, 1);
      assertEquals(3L, partial.getJsonObject("token_expiry").getLong("warned"), partial.encode());
    } finally {
      first.stop();
    }
    Engine second = ProactiveFixture.start(env(pg), clock);
    try {
      JsonObject rest = ProactiveFixture.scan(second.port());
      assertEquals(5L, rest.getJsonObject("token_expiry").getLong("warned"), rest.encode());
      assertEquals(0L, ProactiveFixture.scan(second.port()).getJsonObject("token_expiry").getLong("warned"));
      assertEquals(8, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_conversations WHERE handled_by = "
          + "'system'"));
      assertEquals(8, TestDatabase.queryLong(pg, "SELECT count(*) FROM email_outbox WHERE status = 'sent'"));
      assertEquals(mailsBefore + 8, smtp.getReceivedMessages().length);
    } finally {
      second.stop();
    }
  }

  private static long warned(JsonObject scan) {
    return scan.getBoolean("skipped") ? 0 : scan.getJsonObject("token_expiry").getLong("warned");
  }
}
