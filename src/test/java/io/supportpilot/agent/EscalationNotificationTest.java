package io.supportpilot.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Escalated auto-tickets of one bug share one unread admin notification that counts them. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EscalationNotificationTest {

  @Test
  void aStormOfOneFingerprintIsOneNotificationUntilItIsRead() {
    // Verifies that six auto-tickets of one fingerprint, escalated to a person (no article matches, the knowledge
    // base is empty), leave one unread escalation notification with count 6 and the count in its title; that once
    // it is read the next escalation of that fingerprint opens a new one; and that a ticket of another fingerprint
    // gets its own.
    String pg = TestDatabase.freshDatabase("EscalationNotificationTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_SCAN_INTERVAL", "1h");
    Engine engine = AgentTestSupport.start(env, Clock.systemUTC());
    try {
      for (int u = 0; u < 6; u++) {
        publish(engine, ticket(pg, "fp-one", u));
      }
      awaitEscalated(pg, 6);
      assertEquals(1, count(pg, "kind = 'escalation'"));
      assertEquals(1, count(pg, "kind = 'escalation' AND details->>'count' = '6' AND details->>'fingerprint' = 'fp-one'"
          + " AND title LIKE 'Conversations need a person (6): %'"));

      TestDatabase.exec(pg, "UPDATE admin_notifications SET read_at = now()");
      publish(engine, ticket(pg, "fp-one", 6));
      publish(engine, ticket(pg, "fp-two", 7));
      awaitEscalated(pg, 8);
      assertEquals(3, count(pg, "kind = 'escalation'"));
      assertEquals(2, count(pg, "kind = 'escalation' AND read_at IS NULL AND details->>'count' = '1'"));
      assertTrue(count(pg, "kind = 'escalation' AND read_at IS NULL AND details->>'fingerprint' = 'fp-two'") == 1);
    } finally {
      engine.stop();
    }
  }

  private static void publish(Engine engine, TicketEvent e) {
    engine.vertx().eventBus().publish(Addresses.TICKETS_CHANGED, e);
  }

  private static long count(String pg, String where) {
    return TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE " + where);
  }

  private static void awaitEscalated(String pg, int expected) {
    Await.value("the auto-tickets escalated (value: how many are)", Duration.ofSeconds(90),
        () -> TestDatabase.queryLong(pg, "SELECT count(*) FROM support_conversations WHERE id LIKE 'esc-%' "
            + "AND status = 'escalated'"), n -> n == expected);
  }

  /** Stores an auto-ticket of an unknown error for user {@code u} and returns its CREATED event. */
  private static TicketEvent ticket(String pg, String fingerprint, int u) {
    String user = "esc-user-" + u;
    String id = "esc-" + u;
    String errorType = "QuasarFluxError";
    String message = "Quasar flux capacitor " + fingerprint + " misaligned";
    AgentTestSupport.user(pg, user, user + "@example.com", "en", "conn-" + user, 20);
    TestDatabase.exec(pg, "INSERT INTO support_conversations (id, user_id, subject, status, auto_created, fingerprint, "
        + "error_type, language, occurrence_count, created_at, updated_at) VALUES ('" + id + "', '" + user + "', '"
        + errorType + ": " + message + "', 'open', true, '" + fingerprint + "', '" + errorType + "', 'en', 1, now(), "
        + "now())");
    ErrorEvent sample = new ErrorEvent("mcp", "ev-" + id, user, "conn-" + user, "get_invoices", errorType, null,
        500, "error", message, null, "{}", fingerprint, Instant.now(), Instant.now());
    return new TicketEvent(TicketEvent.CREATED, id, user, fingerprint, errorType, 1, sample);
  }
}
