package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.count;
import static io.supportpilot.spike.SpikeFixture.counters;
import static io.supportpilot.spike.SpikeFixture.errors;
import static io.supportpilot.spike.SpikeFixture.insert;
import static io.supportpilot.spike.SpikeFixture.tick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.SpikeChange;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.store.Migrations;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SpikeRebuildTest {

  static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aRestartRebuildsTheWindowsFromTheErrorLogAndAdoptsOpenSpikes() throws Exception {
    // Verifies that start-up rebuilds every window from support_error_log (last hour per minute, 24 h per hour,
    // older rows ignored), that a rebuilt window holding the rule opens its spike at once, that the rebuilt counts
    // drive the rule (5 stored + 1 new = a spike; a steady stored rate plus more of the same = none), and that a
    // spike open before a restart is adopted, not announced again, and ended later under the same id.
    String pg = TestDatabase.freshDatabase("SpikeRebuildTest");
    Migrations.migrate(pg);
    Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(30));
    insert(pg, errors("RebuiltError", 20, now.minus(Duration.ofMinutes(10)), 4));
    insert(pg, errors("RebuiltError", 20, now.minus(Duration.ofHours(5)), 4));
    insert(pg, errors("FiveError", 5, now.minus(Duration.ofMinutes(50)), 1));
    insert(pg, errors("OldError", 50, now.minus(Duration.ofHours(30)), 1));
    for (int step = 1; step <= 240; step++) {
      insert(pg, errors("SteadyDbError", 10, now.minus(Duration.ofMinutes(6L * step)), 2));
    }
    Map<String, String> env = TestEngine.env(pg);
    env.put("DEVOPS_ENABLED", "false"); // the counts below are the spike's own (the agent adds its own)
    env.put("SPIKES_TICK_INTERVAL", "1h");
    MovableClock clock = MovableClock.at(now);

    Engine engine = SpikeFixture.start(env, clock);
    String spikeId;
    try {
      JsonObject rebuilt = counters(engine, "RebuiltError");
      assertEquals(20, rebuilt.getInteger("count_last_hour"));
      assertEquals(40, rebuilt.getInteger("count_24h"));
      assertEquals(4, rebuilt.getJsonArray("fingerprints").size(), "fingerprints are rebuilt too");
      assertEquals(5, counters(engine, "FiveError").getInteger("count_last_hour"));
      assertFalse(counters(engine, "OldError").getBoolean("tracked"), "older than 24 h: not tracked");
      JsonObject steady = counters(engine, "SteadyDbError");
      assertEquals(90, steady.getInteger("count_last_hour"), "minutes -6 .. -54 of the last hour");
      assertTrue(steady.getInteger("count_24h") >= 2300, steady.encode());
      // The rebuilt window of RebuiltError (20 in the hour, 40 in 24 h: ratio 12) holds the rule: it opens now.
      Await.until("the rebuilt spike", WAIT,
          () -> count(pg, "SELECT count(*) FROM spikes WHERE error_type = 'RebuiltError' "
          + "AND count_last_hour = 20 AND count_24h = 40") == 1);
      assertEquals(1, count(pg, "SELECT count(*) FROM spikes"), "no other rebuilt window holds the rule");

      SpikeFixture.storeAndPublish(engine, pg, "FiveError", 1, clock.instant());
      SpikeFixture.storeAndPublish(engine, pg, "SteadyDbError", 10, clock.instant());
      SpikeFixture.storeAndPublish(engine, pg, "RebuiltError", 1, clock.instant());
      Await.until("two spikes", WAIT, () -> count(pg, "SELECT count(*) FROM spikes WHERE status = 'active'") == 2);
      assertEquals(1, count(pg, "SELECT count(*) FROM spikes WHERE error_type = 'FiveError' AND count_last_hour = 6"));
      assertEquals(21, counters(engine, "RebuiltError").getInteger("count_last_hour"));
      assertEquals(1, count(pg, "SELECT count(*) FROM spikes WHERE error_type = 'RebuiltError'"), "opened once");
      assertEquals(0, count(pg, "SELECT count(*) FROM spikes WHERE error_type = 'SteadyDbError'"));
      Await.until("notifications", WAIT,
          () -> count(pg, "SELECT count(*) FROM spikes WHERE notification_id IS NOT NULL")
          == 2);
      spikeId = new JsonObject(Http.get(engine.port(), "/api/admin/spikes?status=active", Http.admin()).body())
          .getJsonArray("spikes").stream().map(o -> (JsonObject) o)
          .filter(o -> o.getString("error_type").equals("RebuiltError")).findFirst().orElseThrow().getString("id");
    } finally {
      engine.stop();
    }

    clock.advance(Duration.ofMinutes(5));
    engine = SpikeFixture.start(env, clock);
    try {
      ActiveSpikes active = engine.capability(SpikesCapability.class).activeSpikes().orElseThrow();
      assertEquals(2, active.active().size(), "both spikes are adopted");
      assertTrue(active.active().stream().anyMatch(s -> s.id().equals(spikeId) && s.countLastHour() == 21));
      try (SseClient sse = SseClient.open(engine.port(), "/api/admin/spikes/stream", Http.admin())) {
        sse.next(WAIT);
        SseClient.Frame a = sse.nextEvent(WAIT);
        assertEquals(SpikeChange.ACTIVE, a.event());
      }
      engine.vertx().eventBus().publish(Addresses.ERRORS_STORED,
          new StoredErrors(errors("RebuiltError", 3, clock.instant(), 1)));
      tick(engine);
      assertEquals(2, count(pg, "SELECT count(*) FROM spikes"), "no second spike after the restart");
      // Only the spikes' own notifications: the agent may add escalations for the tickets of these errors.
      assertEquals(2, count(pg, "SELECT count(*) FROM admin_notifications WHERE kind = 'error_spike'"),
          "no second notification");
      assertEquals(24, counters(engine, "RebuiltError").getInteger("count_last_hour"));

      clock.advance(Duration.ofHours(2));
      tick(engine);
      Await.until("the end", WAIT, () -> count(pg, "SELECT count(*) FROM spikes WHERE status = 'ended' AND id = '"
          + spikeId + "'") == 1);
      assertEquals(0, engine.capability(SpikesCapability.class).activeSpikes().orElseThrow().active().size());

      // An open stream does not hold up shutdown: the server ends it instead of waiting out the grace period.
      try (SseClient sse = SseClient.open(engine.port(), "/api/admin/spikes/stream", Http.admin())) {
        sse.next(WAIT);
        long t0 = System.nanoTime();
        engine.stop();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 4_000, "stopped in " + ms + " ms with a stream open (grace is 5 s)");
        assertEquals(null, sse.next(Duration.ofSeconds(2)), "the stream has ended");
      }
    } finally {
      engine.stop();
    }
  }
}
