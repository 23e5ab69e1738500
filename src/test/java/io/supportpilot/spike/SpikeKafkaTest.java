package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.count;
import static io.supportpilot.spike.SpikeFixture.counters;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.store.Migrations;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scaled mode with a real in-process Kafka broker and two engines. The test's consumers stand in for the
 * ingestion capability's Kafka consumer (its contract: rows stored, offsets committed, then {@code StoredErrors};
 * partition changes as {@code PartitionsAssigned}), so this checks the spike side against Kafka's real
 * partitioning and rebalancing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SpikeKafkaTest {

  static final String TOPIC = "supportpilot.errors";
  static final int PARTITIONS = 4;
  static final Duration WAIT = Duration.ofSeconds(30);

  /** A processing instance's consumer loop on its own thread. */
  static final class Processor implements AutoCloseable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final Set<Integer> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final Thread thread;

    Processor(String bootstrap, Engine engine, String pg, String name) {
      thread = new Thread(() -> {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "spike-test");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
            new StringDeserializer())) {
          consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
              Set<Integer> ids = ids(parts);
              owned.removeAll(ids);
              engine.vertx().eventBus().publish(Addresses.PARTITIONS_REVOKED, new PartitionsAssigned(ids, PARTITIONS));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
              Set<Integer> ids = ids(parts);
              owned.addAll(ids);
              engine.vertx().eventBus().publish(Addresses.PARTITIONS_ASSIGNED,
                  new PartitionsAssigned(ids, PARTITIONS));
            }
          });
          while (running.get()) {
            List<ErrorEvent> batch = new ArrayList<>();
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
              batch.addAll(SpikeFixture.errors(r.key(), 1, Instant.now(), 1));
            }
            if (!batch.isEmpty()) {
              SpikeFixture.insert(pg, batch);
              consumer.commitSync();
              engine.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(batch));
            }
          }
        }
      }, "processor-" + name);
      thread.start();
    }

    static Set<Integer> ids(Collection<TopicPartition> parts) {
      Set<Integer> ids = new HashSet<>();
      parts.forEach(tp -> ids.add(tp.partition()));
      return ids;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(30_000);
    }
  }

  @Test
  void twoInstancesBehindARealBrokerCountCorrectlyAndOpenOneSpikePerSurge() throws Exception {
    // Verifies scaled mode end to end with a real broker: errors keyed by type reach the instance that owns the
    // partition, counts are exact across the two instances, a surge opens exactly one spike, and when one
    // instance leaves, the other rebuilds the moved types from Postgres and keeps the same spike.
    io.supportpilot.testing.TestKafka cluster = io.supportpilot.testing.TestKafka.start();
    String bootstrap = cluster.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    String pg = TestDatabase.freshDatabase("SpikeKafkaTest");
    Migrations.migrate(pg);
    Map<String, String> env = TestEngine.env(pg);
    env.put("DEVOPS_ENABLED", "false"); // the counts below are the spike's own (the agent adds its own)
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("KAFKA_ROLE", "ingest"); // the test's consumers do the processing
    env.put("KAFKA_PARTITIONS", String.valueOf(PARTITIONS));
    Engine one = Engine.start(env);
    Engine two = Engine.start(env);
    Processor p2 = null;
    try (Processor p1 = new Processor(bootstrap, one, pg, "one");
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
            new StringSerializer(), new StringSerializer())) {
      p2 = new Processor(bootstrap, two, pg, "two");
      Processor second = p2;
      Await.until("both instances own partitions", WAIT, () -> !p1.owned.isEmpty() && !second.owned.isEmpty()
          && p1.owned.size() + second.owned.size() == PARTITIONS);

      String surge = "SurgeError";
      for (int i = 0; i < 20; i++) {
        producer.send(new ProducerRecord<>(TOPIC, surge, "{}"));
      }
      for (int t = 0; t < 10; t++) {
        for (int i = 0; i < 3; i++) {
          producer.send(new ProducerRecord<>(TOPIC, "QuietError" + t, "{}"));
        }
      }
      producer.flush();
      Await.until("all 50 errors stored", WAIT, () -> count(pg, "SELECT count(*) FROM support_error_log") == 50);
      Await.until("one spike", WAIT,
          () -> count(pg, "SELECT count(*) FROM spikes WHERE notification_id IS NOT NULL") == 1);
      Engine owner = p1.owned.contains(SpikeDetector.partitionOf(surge, PARTITIONS)) ? one : two;
      Engine other = owner == one ? two : one;
      Await.until("the owner counted the surge", WAIT,
          () -> counters(owner, surge).getInteger("count_last_hour") == 20);
      assertEquals(false, counters(other, surge).getBoolean("tracked"));
      for (int t = 0; t < 10; t++) {
        String q = "QuietError" + t;
        int sum = counters(one, q).getInteger("count_last_hour") + counters(two, q).getInteger("count_last_hour");
        assertEquals(3, sum, q + " counted once across the instances");
      }
      assertEquals(1, count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + surge + "'"));
      assertEquals(0, count(pg, "SELECT count(*) FROM spikes WHERE error_type <> '" + surge + "'"));

      // The owner's processor leaves the group: the other instance takes every partition over.
      Processor leaving = owner == one ? p1 : p2;
      Processor staying = owner == one ? p2 : p1;
      leaving.close();
      Await.until("the other instance owns everything", WAIT, () -> staying.owned.size() == PARTITIONS);
      Await.until("it rebuilt the surge from Postgres", WAIT, () -> counters(other, surge).getInteger("count_last_hour")
          == 20);
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>(TOPIC, surge, "{}"));
      }
      producer.flush();
      Await.until("the new owner counts on", WAIT, () -> counters(other, surge).getInteger("count_last_hour") == 30);
      assertEquals(1, count(pg, "SELECT count(*) FROM spikes"), "still one spike");
      assertEquals(1, count(pg, "SELECT count(*) FROM admin_notifications"), "announced once");
      assertEquals(1, count(pg, "SELECT count(*) FROM devops_tasks"));
    } finally {
      if (p2 != null) {
        p2.close();
      }
      one.stop();
      two.stop();
      cluster.close();
    }
  }
}
