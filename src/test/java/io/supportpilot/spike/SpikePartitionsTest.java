package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.activeSpikes;
import static io.supportpilot.spike.SpikeFixture.count;
import static io.supportpilot.spike.SpikeFixture.counters;
import static io.supportpilot.spike.SpikeFixture.errors;
import static io.supportpilot.spike.SpikeFixture.insert;
import static io.supportpilot.spike.SpikeFixture.tick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.store.Migrations;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SpikePartitionsTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static final int PARTITIONS = 4;

  @Test
  void partitionsMatchKafkasDefaultPartitioner() {
    // Verifies that the detector maps an error type to the partition Kafka's producer picks for that key.
    for (String t : new String[] {"TokenExpired", "RateLimit", "ExactOnline503", "é-unicode", ""}) {
      for (int n : new int[] {1, 4, 6, 12}) {
        assertEquals(BuiltInPartitioner.partitionForKey(t.getBytes(StandardCharsets.UTF_8), n),
            SpikeDetector.partitionOf(t, n), t + " / " + n);
      }
    }
  }

  @Test
  void eachInstanceCountsItsPartitionsAndAHandoverKeepsOneSpike() {
    // Verifies scaled mode with two instances on one database: each counts only the error types of its assigned
    // partitions (rebuilt from Postgres on assignment), a surge opens one spike on the owner, and when the
    // partition moves the new owner rebuilds the window, adopts the spike without a second announcement, and ends it.
    String a = "SurgeError";
    String b = null;
    int pa = SpikeDetector.partitionOf(a, PARTITIONS);
    for (int i = 0; b == null; i++) {
      if (SpikeDetector.partitionOf("OtherError" + i, PARTITIONS) != pa) {
        b = "OtherError" + i;
      }
    }
    String typeB = b;
    int pb = SpikeDetector.partitionOf(b, PARTITIONS);
    assertNotEquals(pa, pb);
    Set<Integer> rest = new HashSet<>(Set.of(0, 1, 2, 3));
    rest.remove(pa);

    String pg = TestDatabase.freshDatabase("SpikePartitionsTest");
    Migrations.migrate(pg);
    Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(30));
    insert(pg, errors(a, 5, now.minus(Duration.ofMinutes(10)), 1));
    insert(pg, errors(b, 4, now.minus(Duration.ofMinutes(10)), 1));
    Map<String, String> env = TestEngine.env(pg);
    env.put("DEVOPS_ENABLED", "false"); // the counts below are the spike's own (the agent adds its own)
    env.put("SPIKES_TICK_INTERVAL", "1h");
    // Scaled mode against a real broker; with the ingest role no consumer runs, so this test plays the Kafka
    // consumer's part by publishing the partition events itself.
    io.supportpilot.testing.TestKafka kafka = io.supportpilot.testing.TestKafka.start();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("KAFKA_ROLE", "ingest");
    env.put("KAFKA_PARTITIONS", String.valueOf(PARTITIONS));
    MovableClock clock = MovableClock.at(now);
    Engine one = SpikeFixture.start(env, clock);
    Engine two = SpikeFixture.start(env, clock);
    try {
      assertFalse(counters(one, a).getBoolean("tracked"), "nothing is owned before an assignment");
      one.vertx().eventBus().publish(Addresses.PARTITIONS_ASSIGNED, new PartitionsAssigned(Set.of(pa), PARTITIONS));
      two.vertx().eventBus().publish(Addresses.PARTITIONS_ASSIGNED, new PartitionsAssigned(rest, PARTITIONS));
      Await.until("instance one rebuilt its partition", WAIT, () -> counters(one, a).getBoolean("tracked"));
      Await.until("instance two rebuilt its partitions", WAIT, () -> counters(two, typeB).getBoolean("tracked"));
      assertEquals(5, counters(one, a).getInteger("count_last_hour"));
      assertFalse(counters(one, b).getBoolean("tracked"));
      assertEquals(4, counters(two, b).getInteger("count_last_hour"));
      assertFalse(counters(two, a).getBoolean("tracked"));

      // Kafka delivers the surge to the owner; a copy on the other instance is ignored there.
      SpikeFixture.storeAndPublish(one, pg, a, 3, clock.instant());
      two.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(errors(a, 3, clock.instant(), 1)));
      tick(two);
      assertFalse(counters(two, a).getBoolean("tracked"));
      assertEquals(8, counters(one, a).getInteger("count_last_hour"));
      Await.until("the spike", WAIT, () -> count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + a
          + "' AND notification_id IS NOT NULL") == 1);

      // Rebalance: the partition moves from instance one to instance two.
      one.vertx().eventBus().publish(Addresses.PARTITIONS_REVOKED, new PartitionsAssigned(Set.of(pa), PARTITIONS));
      two.vertx().eventBus().publish(Addresses.PARTITIONS_ASSIGNED, new PartitionsAssigned(Set.of(pa), PARTITIONS));
      Await.until("instance two rebuilt the moved partition", WAIT, () -> counters(two, a).getBoolean("tracked"));
      assertEquals(8, counters(two, a).getInteger("count_last_hour"), "rebuilt from Postgres by the new owner");
      assertFalse(counters(one, a).getBoolean("tracked"), "the old owner dropped it");
      assertTrue(activeSpikes(one).active().isEmpty());
      Await.until("adoption", WAIT, () -> activeSpikes(two).active().stream().anyMatch(s -> s.errorType().equals(a)));

      SpikeFixture.storeAndPublish(two, pg, a, 10, clock.instant());
      assertEquals(18, counters(two, a).getInteger("count_last_hour"));
      assertEquals(1, count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + a + "'"), "one spike per surge");
      assertEquals(1, count(pg, "SELECT count(*) FROM admin_notifications"), "announced once");

      clock.advance(Duration.ofHours(2));
      tick(two);
      tick(one);
      Await.until("the end", WAIT,
          () -> count(pg, "SELECT count(*) FROM spikes WHERE status = 'ended' AND error_type = '"
          + a + "'") == 1);
    } finally {
      one.stop();
      two.stop();
      kafka.close();
    }
  }
}
