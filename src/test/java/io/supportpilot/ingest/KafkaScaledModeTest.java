package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.supportpilot.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
@ExtendWith(VertxExtension.class)
class KafkaScaledModeTest {

  static TestKafka cluster;

  @BeforeAll
  static void startBroker() throws Exception {
    cluster = TestKafka.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyAcknowledgedEventIsStoredExactlyOnceWhenAProcessingInstanceStopsMidStream(VertxTestContext handover)
      throws Exception {
    // Verifies scaled mode end to end on a real KRaft broker: two engines ingest to Kafka (202 on broker ack) and
    // process into one Postgres; one stops mid-stream; the other takes its partitions (PartitionsAssigned) and
    // every acknowledged event ends up stored exactly once. Readiness reports the broker.
    String db = TestDatabase.freshDatabase("KafkaScaled");
    Map<String, String> env = TestEngine.env(db);
    env.put("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
    env.put("KAFKA_TOPIC", "errors-test");
    env.put("KAFKA_PARTITIONS", "6");
    env.put("KAFKA_GROUP_ID", "processors-test");
    env.put("INGEST_KAFKA_MAX_POLL_RECORDS", "200");
    // The hand-over as the instances report it on their buses: b revokes its partitions when it stops, and the
    // surviving a is then assigned all six (lax: rebalances may report several times). a's own first assignment,
    // all six before b joined, does not count.
    AtomicBoolean bStopped = new AtomicBoolean(false);
    Checkpoint aOwnsAll = handover.laxCheckpoint();
    Checkpoint bRevoked = handover.laxCheckpoint();
    Engine a = TestEngine.start(env);
    List<PartitionsAssigned> assignedA = new CopyOnWriteArrayList<>();
    a.vertx().eventBus().<PartitionsAssigned>consumer(Addresses.PARTITIONS_ASSIGNED, m -> {
      assignedA.add(m.body());
      if (bStopped.get() && m.body().partitions().size() == 6 && m.body().partitionCount() == 6) {
        aOwnsAll.flag();
      }
    });
    Engine b = TestEngine.start(env);
    List<PartitionsAssigned> revokedB = new CopyOnWriteArrayList<>();
    b.vertx().eventBus().<PartitionsAssigned>consumer(Addresses.PARTITIONS_REVOKED, m -> {
      revokedB.add(m.body());
      bRevoked.flag();
    });
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    AtomicBoolean sending = new AtomicBoolean(true);
    Semaphore window = new Semaphore(32);
    String[] types = {"ExactApiError", "TokenExpiredError", "ValidationError", "TimeoutError", "RateLimitError",
        "DivisionNotFound", "NetworkError", "ParseError"};
    Thread sender = new Thread(() -> {
      int i = 0;
      while (sending.get()) {
        try {
          window.acquire();
        } catch (InterruptedException ex) {
          return;
        }
        String eid = UUID.randomUUID().toString();
        JsonObject body = Webhooks.mcpError(eid, "u-" + (i % 40), "scaled " + i).put("error_type", types[i % types.length]);
        int port = (i % 2 == 0 || bStopped.get()) ? a.port() : b.port();
        Webhooks.mcpAsync(port, body.encode()).whenComplete((r, ex) -> {
          window.release();
          if (ex == null && r.statusCode() == 202) {
            acked.add(eid);
          } else {
            refused.incrementAndGet();
          }
        });
        i++;
      }
    });
    sender.start();
    try {
      HttpResponse<String> health = Http.get(a.port(), "/health");
      assertEquals(200, health.statusCode(), health.body());
      assertEquals("UP", new JsonObject(health.body()).getJsonObject("checks").getJsonObject("kafka")
          .getString("status"));
      // b must own partitions before it stops, or there is nothing to hand over (and to revoke). Its first
      // assignment may come before a consumer registered after its start could see it: read what it owns.
      Await.until("b owns some partitions", Duration.ofSeconds(60), () -> !owned(b).isEmpty());
      Await.value("1500 events acknowledged before b stops", Duration.ofSeconds(60), acked::size, n -> n >= 1500);
      bStopped.set(true);
      b.stop();
      int atStop = acked.size();
      Await.value("1500 more events acknowledged after b stopped", Duration.ofSeconds(60), acked::size,
          n -> n >= atStop + 1500);
    } finally {
      sending.set(false);
      sender.join(10_000);
      window.acquire(32);
    }
    try {
      assertTrue(acked.size() >= 3000, "acknowledged " + acked.size());
      // (source, event_id) is unique, so each acknowledged id present once means count over the IN list == acked.
      Await.value("every acknowledged event stored (" + refused.get() + " refused; value: how many are)",
          Duration.ofSeconds(90), () -> TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE "
              + "event_id IN " + TestDatabase.inList(acked)), stored -> stored == acked.size());

      // Nothing stored twice: resend acknowledged events (Kafka takes them again), then one fresh sentinel per type
      // behind them on the same partitions; once the sentinels are stored the duplicates have been processed.
      long before = TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log");
      List<String> resend = new ArrayList<>(acked).subList(0, 100);
      for (String eid : resend) {
        int t = Math.abs(eid.hashCode()) % types.length;
        HttpResponse<String> r = Webhooks.mcp(a.port(), Webhooks.mcpError(eid, "u-dup", "dup")
            .put("error_type", types[t]).encode());
        assertTrue(r.statusCode() == 200 || r.statusCode() == 202, r.statusCode() + " " + r.body());
      }
      List<String> sentinels = new ArrayList<>();
      for (String type : types) {
        String eid = "sentinel-" + UUID.randomUUID();
        HttpResponse<String> r = Webhooks.mcp(a.port(), Webhooks.mcpError(eid, "u-sentinel", "sentinel")
            .put("error_type", type).encode());
        assertEquals(202, r.statusCode(), r.body());
        sentinels.add(eid);
      }
      Await.until("the sentinels stored", Duration.ofSeconds(60), () -> TestDatabase.queryLong(db, "SELECT "
          + "count(*) FROM support_error_log WHERE event_id IN " + TestDatabase.inList(sentinels)) == sentinels.size());
      assertEquals(before + sentinels.size(), TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log"),
          "resent duplicates add no rows");
      // Derived data has no unique key: every stored event with a user counts once in its ticket's occurrences.
      // A marker behind everything: a second error of the first sentinel's bug (same user and fingerprint, so the
      // same ticket). The one auto-ticket verticle of a takes stored batches in order and writes the held-back
      // counts of all tickets together, so once the marker is counted, any count of an earlier event is written too.
      assertEquals(202, Webhooks.mcp(a.port(), Webhooks.mcpError("marker-" + UUID.randomUUID(), "u-sentinel",
          "sentinel").put("error_type", types[0]).encode()).statusCode());
      Await.until("the marker counted in the first sentinel's ticket", Duration.ofSeconds(60),
          () -> TestDatabase.queryLong(db, "SELECT coalesce(max(occurrence_count), 0) FROM support_conversations "
              + "WHERE user_id = 'u-sentinel' AND error_type = '" + types[0] + "'") == 2);
      long withUser = TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE user_id IS NOT NULL");
      assertEquals(withUser, TestDatabase.queryLong(db, "SELECT coalesce(sum(occurrence_count), 0) FROM "
          + "support_conversations WHERE auto_created"), "ticket occurrence counts match the stored events");
      assertEquals(0, TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log l WHERE l.user_id IS NOT "
          + "NULL AND l.ticket_id IS NULL"), "every stored event with a user is linked to its ticket");
      assertTrue(handover.awaitCompletion(30, TimeUnit.SECONDS), "the stopped instance published its revoked "
          + "partitions (" + revokedB.size() + " times) and the surviving one owns all six: " + assignedA);
      String metrics = Http.get(a.port(), "/metrics").body();
      assertTrue(metrics.contains("supportpilot_ingest_events_total{outcome=\"accepted\",reason=\"none\",source=\"mcp\"}"));
    } finally {
      a.stop();
    }
  }

  @Test
  void poisonRecordsGoToTheDeadLettersAndLaterRecordsAreStillStored() throws Exception {
    // Verifies that records the processor cannot store (corrupt bytes, an unknown encoding version, an event
    // Postgres rejects for a data error) end in support_dead_letters with their topic, partition, offset and raw
    // bytes, that the good records polled with them and records sent after them are stored, and that a legacy
    // record without a version byte is still read.
    String db = TestDatabase.freshDatabase("KafkaPoison");
    Map<String, String> env = TestEngine.env(db);
    env.put("KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrapServers());
    env.put("KAFKA_TOPIC", "errors-poison");
    env.put("KAFKA_PARTITIONS", "2");
    env.put("KAFKA_GROUP_ID", "processors-poison");
    Engine a = TestEngine.start(env);
    try {
      String key = "PoisonError"; // one key: every record lands on one partition, in order
      byte[] garbage = {(byte) 0xff, 0x00, 0x13, 'x'};
      byte[] unknownVersion = EventCodec.encode(event("ev-unknown-version", "{}"));
      unknownVersion[0] = 7;
      byte[] rejected = EventCodec.encode(event("ev-rejected", "this is not json"));
      byte[] good1 = EventCodec.encode(event("ev-good-1", "{}"));
      byte[] good2 = EventCodec.encode(event("ev-good-2", "{\"a\":1}"));
      byte[] legacy = java.util.Arrays.copyOfRange(EventCodec.encode(event("ev-legacy", "{}")), 1,
          EventCodec.encode(event("ev-legacy", "{}")).length);
      java.util.Properties p = new java.util.Properties();
      p.put("bootstrap.servers", cluster.bootstrapServers());
      p.put("key.serializer", org.apache.kafka.common.serialization.StringSerializer.class.getName());
      p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
      p.put("linger.ms", "50");
      Map<String, Long> offsets = new java.util.HashMap<>();
      int partition;
      try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> producer =
          new org.apache.kafka.clients.producer.KafkaProducer<>(p)) {
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
        String[] names = {"good1", "garbage", "rejected", "unknown", "good2", "legacy"};
        byte[][] values = {good1, garbage, rejected, unknownVersion, good2, legacy};
        for (byte[] v : values) {
          sent.add(producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("errors-poison", key, v)));
        }
        producer.flush();
        for (int i = 0; i < names.length; i++) {
          offsets.put(names[i], sent.get(i).get(10, TimeUnit.SECONDS).offset());
        }
        partition = sent.get(0).get().partition();
      }
      // A record sent through HTTP after the poison, on the same partition.
      HttpResponse<String> r = Webhooks.mcp(a.port(), Webhooks.mcpError("ev-after", "u-poison", "after the poison")
          .put("error_type", key).encode());
      assertEquals(202, r.statusCode(), r.body());
      List<String> good = List.of("ev-good-1", "ev-good-2", "ev-legacy", "ev-after");
      Await.until("the good records around the poison and after it are stored", Duration.ofSeconds(60),
          () -> TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id IN "
              + TestDatabase.inList(good)) == good.size());
      assertEquals(0, TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id IN "
          + "('ev-rejected', 'ev-unknown-version')"));
      assertEquals(3, TestDatabase.queryLong(db, "SELECT count(*) FROM support_dead_letters"));
      for (String name : List.of("garbage", "rejected", "unknown")) {
        assertEquals(1, TestDatabase.queryLong(db, "SELECT count(*) FROM support_dead_letters WHERE topic = "
            + "'errors-poison' AND \"partition\" = " + partition + " AND \"offset\" = " + offsets.get(name)
            + " AND key = '" + key + "'"), name + " is dead-lettered at its offset");
      }
      try (java.sql.Connection c = TestDatabase.connect(db); java.sql.Statement st = c.createStatement();
          java.sql.ResultSet rs = st.executeQuery("SELECT \"offset\", raw, error FROM support_dead_letters")) {
        Map<Long, byte[]> raw = new java.util.HashMap<>();
        Map<Long, String> errors = new java.util.HashMap<>();
        while (rs.next()) {
          raw.put(rs.getLong(1), rs.getBytes(2));
          errors.put(rs.getLong(1), rs.getString(3));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(garbage, raw.get(offsets.get("garbage")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(rejected, raw.get(offsets.get("rejected")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(unknownVersion, raw.get(offsets.get("unknown")));
        assertTrue(errors.get(offsets.get("unknown")).contains("unknown event encoding version 7"),
            errors.toString());
        assertTrue(errors.get(offsets.get("rejected")).startsWith("rejected by Postgres"), errors.toString());
        assertTrue(errors.get(offsets.get("garbage")).startsWith("undecodable"), errors.toString());
      }
    } finally {
      a.stop();
    }
    // Offsets were committed past the poison: a restart replays nothing into the dead letters or the log.
    long rows = TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log");
    Engine again = TestEngine.start(env);
    try {
      HttpResponse<String> r = Webhooks.mcp(again.port(), Webhooks.mcpError("ev-after-restart", "u-poison", "x")
          .put("error_type", "PoisonError").encode());
      assertEquals(202, r.statusCode(), r.body());
      Await.until("the event sent after the restart stored", Duration.ofSeconds(60), () -> TestDatabase.queryLong(db,
          "SELECT count(*) FROM support_error_log WHERE event_id = 'ev-after-restart'") == 1);
      assertEquals(rows + 1, TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log"));
      assertEquals(3, TestDatabase.queryLong(db, "SELECT count(*) FROM support_dead_letters"));
    } finally {
      again.stop();
    }
  }

  private static io.supportpilot.bus.ErrorEvent event(String id, String context) {
    java.time.Instant now = java.time.Instant.now();
    return new io.supportpilot.bus.ErrorEvent("mcp", id, "u-poison", "c-poison", "get_invoices", "PoisonError",
        "E_POISON", 500, "error", "poison test " + id, null, context, "fp-poison", now, now);
  }

  /** The partitions an instance owns now, as its spike detector reports them (it follows the same assignment). */
  static JsonArray owned(Engine e) {
    HttpResponse<String> r = Http.get(e.port(), "/api/admin/spikes/counters", Http.admin());
    assertEquals(200, r.statusCode(), r.body());
    JsonArray parts = new JsonObject(r.body()).getJsonArray("owned_partitions");
    return parts == null ? new JsonArray() : parts;
  }
}
