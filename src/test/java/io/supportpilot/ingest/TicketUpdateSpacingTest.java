package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.testing.Await;
import io.supportpilot.tickets.AutoTicketVerticle;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Under a storm the ticket update interval stretches so that no more than {@code tickets.max-updates-per-second}
 * tickets are written a second, and every occurrence is still counted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TicketUpdateSpacingTest {

  @Test
  void manyTouchedTicketsAreWrittenLessOftenAndEveryOccurrenceIsCounted() throws Exception {
    // Verifies the stretched interval: six open tickets hit every 100 ms for 4 s, with a 200 ms interval and at
    // most 2 ticket writes a second, are each written every ~3 s (6 / 2), not every 200 ms (~20 times), and their
    // occurrence counts end exact.
    String db = TestDatabase.freshDatabase("TicketUpdateSpacingTest");
    Map<String, String> env = TestEngine.env(db);
    env.put("AGENT_ENABLED", "false");
    env.put("TICKETS_CONTEXT_MESSAGE_INTERVAL", "0s");
    env.put("TICKETS_UPDATE_INTERVAL", "200ms");
    env.put("TICKETS_MAX_UPDATES_PER_SECOND", "2");
    Engine engine = TestEngine.start(env);
    try {
      int port = engine.port();
      List<TicketEvent> events = new CopyOnWriteArrayList<>();
      engine.vertx().eventBus().<TicketEvent>consumer(Addresses.TICKETS_CHANGED, m -> events.add(m.body()))
          .completion().await(10, TimeUnit.SECONDS);
      List<String> users = new ArrayList<>();
      for (int u = 0; u < 6; u++) {
        String user = "spacing-" + u + "-" + UUID.randomUUID();
        users.add(user);
        assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(UUID.randomUUID().toString(), user,
            "Sync of ledger 1 failed").encode()).statusCode());
      }
      Await.until("six tickets", Duration.ofSeconds(20),
          () -> events.stream().filter(e -> TicketEvent.CREATED.equals(e.kind())).count() == 6);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      int rounds = 0;
      double deferredSeen = 0;
      while (System.nanoTime() < end) {
        for (String user : users) {
          assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(UUID.randomUUID().toString(), user,
              "Sync of ledger " + (rounds + 2) + " failed").encode()).statusCode());
        }
        rounds++;
        Thread.sleep(100);
        deferredSeen = Math.max(deferredSeen, deferredGauge(engine));
      }
      long expected = rounds + 1;
      Await.until("every occurrence counted", Duration.ofSeconds(30), () -> TestDatabase.queryLong(db,
          "SELECT count(*) FROM support_conversations WHERE auto_created AND occurrence_count = " + expected
              + " AND user_id LIKE 'spacing-%'") == 6);
      for (String user : users) {
        long updates = events.stream().filter(e -> user.equals(e.userId()) && TicketEvent.UPDATED.equals(e.kind()))
            .count();
        assertTrue(updates >= 1 && updates <= 4, user + ": " + rounds + " rounds of errors written in " + updates
            + " ticket updates (a 200 ms interval unstretched: ~20)");
      }
      // The gauge shows the errors waiting for their ticket's write while the flush is stretched, and none after.
      assertTrue(deferredSeen >= 6, "tickets.deferred never showed the waiting errors: " + deferredSeen);
      Await.until("no errors deferred", Duration.ofSeconds(10), () -> deferredGauge(engine) == 0);
    } finally {
      engine.stop();
    }
  }

  private static double deferredGauge(Engine engine) {
    return engine.context().registry().get(AutoTicketVerticle.METER_DEFERRED).gauge().value();
  }
}
