package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
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
import io.supportpilot.testing.TestKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
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
  void everyAcknowledgedEventIsStoredExactlyOnceWhenAProcessingInstanceStopsMidStream() throws Exception {
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
    Engine a = TestEngine.start(env);
    List<PartitionsAssigned> assignedA = new CopyOnWriteArrayList<>();
    a.vertx().eventBus().<PartitionsAssigned>consumer(Addresses.PARTITIONS_ASSIGNED, m -> assignedA.add(m.body()));
    Engine b = TestEngine.start(env);
    List<PartitionsAssigned> revokedB = new CopyOnWriteArrayList<>();
    b.vertx().eventBus().<PartitionsAssigned>consumer(Addresses.PARTITIONS_REVOKED, m -> revokedB.add(m.body()));
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    AtomicBoolean sending = new AtomicBoolean(true);
    AtomicBoolean bStopped = new AtomicBoolean(false);
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
      long deadline = System.currentTimeMillis() + 60_000;
      while (acked.size() < 1500 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      bStopped.set(true);
      b.stop();
      int atStop = acked.size();
      deadline = System.currentTimeMillis() + 60_000;
      while (acked.size() < atStop + 1500 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
    } finally {
      sending.set(false);
      sender.join(10_000);
      window.acquire(32);
    }
    try {
      assertTrue(acked.size() >= 3000, "acknowledged " + acked.size());
      long deadline = System.currentTimeMillis() + 90_000;
      long stored = 0;
      while (System.currentTimeMillis() < deadline) {
        stored = TestDatabase.queryLong(db, "SELECT count(*) FROM support_error_log WHERE event_id IN "
            + TestDatabase.inList(acked));
        if (stored == acked.size()) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(acked.size(), stored, "every acknowledged event is stored (" + refused.get() + " refused)");
      assertEquals(0, TestDatabase.queryLong(db, "SELECT count(*) - count(DISTINCT (source, event_id)) FROM "
          + "support_error_log"), "nothing stored twice");
      long deadlineAssign = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < deadlineAssign
          && assignedA.stream().noneMatch(p -> p.partitions().size() == 6)) {
        Thread.sleep(100);
      }
      assertTrue(assignedA.stream().anyMatch(p -> p.partitions().size() == 6 && p.partitionCount() == 6),
          "the surviving instance owns all partitions: " + assignedA);
      assertTrue(!revokedB.isEmpty(), "the stopped instance published its revoked partitions");
      String metrics = Http.get(a.port(), "/metrics").body();
      assertTrue(metrics.contains("supportpilot_ingest_events_total{outcome=\"accepted\",reason=\"none\",source=\"mcp\"}"));
    } finally {
      a.stop();
    }
  }

}
