package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.count;
import static io.supportpilot.spike.SpikeFixture.counters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.supportpilot.testing.TestKafka;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scaled mode with everything real: an in-process KRaft broker, two engines with the default {@code KAFKA_ROLE=both}
 * on one database, errors POSTed through the signed MCP webhook to both instances. Ingestion's own Kafka consumer
 * stores them and reports its partitions; each instance's spike detector counts the types of its partitions.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ScaledSpikeEndToEndTest {

  static final int PARTITIONS = 4;
  static final Duration WAIT = Duration.ofSeconds(60);
  static final String SURGE = "ScaledSurgeError";

  @Test
  void countsSumToWhatWasSentAndASurgeOpensOneSpikeAcrossTwoInstances() throws Exception {
    // Verifies, through HTTP only, that with two instances behind a real broker: each error type is tracked by
    // exactly one instance, the per-type counts over both instances equal the distinct events accepted (resent
    // duplicates are not counted twice), a surge sent to both instances opens exactly one spike with one
    // spike.started frame over both instances' streams, and every acknowledged event is stored exactly once.
    String pg = TestDatabase.freshDatabase("ScaledSpikeE2E");
    Map<String, String> env = TestEngine.env(pg);
    try (TestKafka kafka = TestKafka.start()) {
      env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
      env.put("KAFKA_TOPIC", "scaled-spike-errors");
      env.put("KAFKA_PARTITIONS", String.valueOf(PARTITIONS));
      env.put("KAFKA_GROUP_ID", "scaled-spike-processors");
      Engine a = TestEngine.start(env);
      Engine b = null;
      List<SseClient> streams = new ArrayList<>();
      try {
        b = TestEngine.start(env);
        Engine two = b;
        Await.until("the partitions are split between the two instances", WAIT, () -> {
          Set<Integer> pa = owned(a);
          Set<Integer> pb = owned(two);
          Set<Integer> all = new HashSet<>(pa);
          all.addAll(pb);
          return !pa.isEmpty() && !pb.isEmpty() && all.size() == PARTITIONS && pa.size() + pb.size() == PARTITIONS;
        });
        Set<Integer> ownedA = owned(a);

        // Quiet types covering every partition (so both instances count some), each at most 5 events: no spike.
        Map<String, Integer> quiet = new LinkedHashMap<>();
        Set<Integer> covered = new HashSet<>();
        for (int i = 0; quiet.size() < 10 || covered.size() < PARTITIONS; i++) {
          String type = "QuietError" + i;
          if (covered.add(SpikeDetector.partitionOf(type, PARTITIONS)) || quiet.size() < 10) {
            quiet.put(type, 1 + i % 5);
          }
        }
        assertTrue(quiet.keySet().stream().anyMatch(t -> ownedA.contains(SpikeDetector.partitionOf(t, PARTITIONS)))
            && quiet.keySet().stream().anyMatch(t -> !ownedA.contains(SpikeDetector.partitionOf(t, PARTITIONS))),
            "both instances own some of the quiet types");

        streams.add(SseClient.open(a.port(), "/api/admin/spikes/stream", Http.admin()));
        streams.add(SseClient.open(two.port(), "/api/admin/spikes/stream", Http.admin()));
        for (SseClient s : streams) {
          assertEquals(200, s.status());
        }
        List<String> started = new CopyOnWriteArrayList<>();
        List<Thread> readers = new ArrayList<>();
        for (SseClient s : streams) {
          Thread t = new Thread(() -> {
            try {
              SseClient.Frame f;
              while ((f = s.nextEvent(Duration.ofSeconds(120))) != null) {
                if ("spike.started".equals(f.event())) {
                  started.add(new JsonObject(f.data()).getString("error_type"));
                }
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }, "sse-collector");
          t.setDaemon(true);
          t.start();
          readers.add(t);
        }

        // Every event, alternately to instance a and b, all in flight at once.
        Map<String, String> typeOf = new ConcurrentHashMap<>();
        List<String> sendOrder = new ArrayList<>();
        Map<String, Integer> expected = new HashMap<>(quiet);
        expected.put(SURGE, 40);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
          for (int i = 0; i < e.getValue(); i++) {
            String id = "evt-" + e.getKey() + "-" + i;
            typeOf.put(id, e.getKey());
            sendOrder.add(id);
          }
        }
        java.util.Collections.shuffle(sendOrder, new java.util.Random(42));
        Set<String> acked = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<HttpResponse<String>>> sends = new ArrayList<>();
        for (int i = 0; i < sendOrder.size(); i++) {
          String id = sendOrder.get(i);
          int port = i % 2 == 0 ? a.port() : two.port();
          sends.add(post(port, error(id, typeOf.get(id), i)).thenApply(r -> {
            if (r.statusCode() == 202) {
              acked.add(id);
            }
            return r;
          }));
        }
        for (CompletableFuture<HttpResponse<String>> f : sends) {
          HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
          assertEquals(202, r.statusCode(), r.body());
        }
        assertEquals(sendOrder.size(), acked.size());

        // Resend some accepted events to the other instance: Kafka takes them again, they are stored and counted once.
        for (int i = 0; i < 12; i++) {
          String id = sendOrder.get(i);
          int port = i % 2 == 0 ? two.port() : a.port();
          HttpResponse<String> r = post(port, error(id, typeOf.get(id), i)).get(60, TimeUnit.SECONDS);
          assertTrue(r.statusCode() == 202 || r.statusCode() == 200, r.statusCode() + " " + r.body());
        }
        // Behind the duplicates, two events of a fresh sentinel type on every partition (the record key is the error
        // type): a partition is consumed in order, so once its sentinels are stored and counted, the duplicates
        // before them have passed through the consumers. The second event of each goes to the first one's ticket,
        // the marker for the tickets' counts below. Two events of a type open no spike.
        List<String> sentinelTypes = new ArrayList<>();
        for (int i = 0; sentinelTypes.size() < PARTITIONS; i++) {
          String type = "SentinelError" + i;
          if (sentinelTypes.stream().noneMatch(t -> SpikeDetector.partitionOf(t, PARTITIONS)
              == SpikeDetector.partitionOf(type, PARTITIONS))) {
            sentinelTypes.add(type);
          }
        }
        for (int k = 0; k < 2; k++) {
          for (int i = 0; i < sentinelTypes.size(); i++) {
            String id = "sentinel-" + k + "-" + i;
            HttpResponse<String> r = post(i % 2 == 0 ? a.port() : two.port(), error(id, sentinelTypes.get(i), 0))
                .get(60, TimeUnit.SECONDS);
            assertEquals(202, r.statusCode(), r.body());
            acked.add(id);
          }
        }
        sentinelTypes.forEach(t -> expected.put(t, 2));

        Await.until("every acknowledged event is stored", WAIT,
            () -> count(pg, "SELECT count(*) FROM support_error_log WHERE source = 'mcp'") >= acked.size());
        Await.until("the counts over both instances equal what was sent", WAIT, () -> expected.entrySet().stream()
            .allMatch(e -> total(a, two, e.getKey()) == e.getValue()));
        // (source, event_id) is unique: each acknowledged id is present, and the resends added no row.
        assertEquals(acked.size(), count(pg, "SELECT count(*) FROM support_error_log WHERE source = 'mcp' AND event_id IN "
            + io.supportpilot.testing.TestDatabase.inList(acked)), "every acknowledged event is stored");
        assertEquals(acked.size(), count(pg, "SELECT count(*) FROM support_error_log WHERE source = 'mcp'"),
            "the resent duplicates added no rows");
        // Derived data has no unique key: a duplicate processed twice would count twice in its ticket. Each
        // instance's one auto-ticket verticle takes stored batches in order and writes held-back counts together:
        // once every sentinel ticket counts its second event, the counts of everything before it are written.
        Await.until("the sentinel tickets count their second event", WAIT, () -> count(pg, "SELECT count(*) FROM "
            + "support_conversations WHERE error_type LIKE 'SentinelError%' AND occurrence_count = 2")
            == sentinelTypes.size());
        assertEquals(acked.size(), count(pg, "SELECT coalesce(sum(occurrence_count), 0) FROM support_conversations "
            + "WHERE auto_created"), "ticket occurrence counts equal the distinct events");
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
          String type = e.getKey();
          JsonObject ca = counters(a, type);
          JsonObject cb = counters(two, type);
          assertEquals(e.getValue(), ca.getInteger("count_last_hour") + cb.getInteger("count_last_hour"), type);
          assertTrue(ca.getBoolean("tracked") ^ cb.getBoolean("tracked"), type + " is tracked by exactly one instance");
          boolean aOwns = ownedA.contains(SpikeDetector.partitionOf(type, PARTITIONS));
          assertEquals(aOwns, ca.getBoolean("tracked"), type + " is tracked by the owner of its partition");
          assertEquals((long) e.getValue(), count(pg, "SELECT count(*) FROM support_error_log WHERE error_type = '"
              + type + "'"), type + " rows");
        }

        // One spike for the surge, none for the quiet types; one spike.started over both streams.
        Await.until("spike.started of the surge reached a stream", WAIT, () -> started.contains(SURGE));
        // No second spike.started may follow. A quiet period, not an event: a detector announces a spike only after
        // reading samples and inserting its row (asynchronously), and nothing marks "no open in flight".
        Await.quietPeriod(Duration.ofMillis(1500), "a second spike.started would arrive within this");
        assertEquals(List.of(SURGE), List.copyOf(started), "exactly one spike.started over both instances");
        assertEquals(1, count(pg, "SELECT count(*) FROM spikes"));
        assertEquals(1, count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + SURGE + "'"));
        assertEquals(1, count(pg, "SELECT count(*) FROM spike_history WHERE event = 'started'"));
        Await.until("the spike is announced", WAIT,
            () -> count(pg, "SELECT count(*) FROM admin_notifications WHERE kind = 'error_spike'") == 1);
        for (Engine e : List.of(a, two)) {
          HttpResponse<String> r = Http.get(e.port(), "/api/admin/spikes?status=active", Http.admin());
          assertEquals(200, r.statusCode(), r.body());
          JsonArray list = new JsonObject(r.body()).getJsonArray("spikes");
          assertNotNull(list, r.body());
          assertEquals(1, list.size(), r.body());
          assertEquals(SURGE, list.getJsonObject(0).getString("error_type"));
        }
        Engine owner = ownedA.contains(SpikeDetector.partitionOf(SURGE, PARTITIONS)) ? a : two;
        assertNotNull(counters(owner, SURGE).getValue("spike_id"), "the owner holds the open spike");
        assertEquals(1, count(pg, "SELECT count(*) FROM admin_notifications WHERE kind = 'error_spike'"));
      } finally {
        streams.forEach(SseClient::close);
        if (b != null) {
          b.stop();
        }
        a.stop();
      }
    }
  }

  static int total(Engine a, Engine b, String type) {
    return counters(a, type).getInteger("count_last_hour") + counters(b, type).getInteger("count_last_hour");
  }

  static Set<Integer> owned(Engine e) {
    HttpResponse<String> r = Http.get(e.port(), "/api/admin/spikes/counters", Http.admin());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(r.statusCode() + " " + r.body());
    }
    JsonArray parts = new JsonObject(r.body()).getJsonArray("owned_partitions");
    Set<Integer> out = new HashSet<>();
    if (parts != null) {
      parts.forEach(p -> out.add(((Number) p).intValue()));
    }
    return out;
  }

  static JsonObject error(String eventId, String type, int i) {
    return new JsonObject().put("event_id", eventId).put("user_id", "u-scaled-" + (i % 9))
        .put("connection_id", "c-scaled").put("tool", "list_invoices").put("error_type", type)
        .put("error_code", "E_" + type.toUpperCase()).put("status_code", 500)
        .put("message", type + " while listing invoices #" + i).put("occurred_at", "2026-11-25T10:15:30Z");
  }

  static String hmac(String data) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(TestEngine.MCP_SECRET.getBytes(StandardCharsets.UTF_8),
          "HmacSHA256"));
      return java.util.HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static CompletableFuture<HttpResponse<String>> post(int port, JsonObject body) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    long ts = System.currentTimeMillis() / 1000;
    HttpRequest req = HttpRequest.newBuilder(Http.uri(port, "/api/webhooks/mcp-error"))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .header("X-Timestamp", String.valueOf(ts))
        .header("X-Signature", "sha256=" + hmac(ts + "." + body.encode()))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    return Http.client().sendAsync(req, HttpResponse.BodyHandlers.ofString());
  }
}
