package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.BlockedThreadRecorder;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.supportpilot.testing.TestKafka;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scaled mode when the broker goes away: fast 503s, and no event loop waits for the producer. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KafkaBrokerDownTest {

  /** The producer's delivery timeout: a request that waited for the broker would take about this long. */
  static final long DELIVERY_TIMEOUT_MS = 10_000;

  @Test
  void withNoBrokerReachableRequestsGet503AtOnceAndNoEventLoopIsBlocked() throws Exception {
    // Verifies that once the only broker is gone, webhook requests are refused with 503 and Retry-After without
    // waiting for the producer's delivery timeout, and that the blocked-thread checker (limit 200 ms in tests)
    // never reports an event loop, while requests keep arriving.
    String db = TestDatabase.freshDatabase("KafkaBrokerDown");
    Map<String, String> env = TestEngine.env(db);
    TestKafka kafka = TestKafka.start();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("KAFKA_TOPIC", "errors-down");
    env.put("KAFKA_PARTITIONS", "2");
    env.put("KAFKA_GROUP_ID", "processors-down");
    Engine engine = TestEngine.start(env);
    BlockedThreadRecorder.drain();
    try {
      HttpResponse<String> ok = Webhooks.mcp(engine.port(), Webhooks.mcpError(UUID.randomUUID().toString(), "u-1",
          "before the outage").encode());
      assertEquals(202, ok.statusCode(), ok.body());
      kafka.close();

      // Requests already at the producer when the broker went may wait for their delivery timeout; once the
      // probe has noticed, every request is refused at once.
      HttpResponse<String> r = Await.value("a 503 naming the broker", Duration.ofSeconds(60),
          () -> Webhooks.mcp(engine.port(), Webhooks.mcpError(UUID.randomUUID().toString(), "u-1", "outage").encode()),
          a -> a.statusCode() == 503 && a.body().contains("the broker is unavailable"));
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        r = Webhooks.mcp(engine.port(), Webhooks.mcpError(UUID.randomUUID().toString(), "u-2", "outage " + i)
            .put("error_type", "OutageError" + i).encode());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(503, r.statusCode(), r.body());
        JsonObject body = new JsonObject(r.body());
        assertEquals("the broker is unavailable; retry later", body.getString("detail"));
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), "Retry-After is set");
        assertTrue(ms < DELIVERY_TIMEOUT_MS / 2, "refused without waiting for the broker (" + ms + " ms)");
      }
      assertEquals(java.util.List.of(), BlockedThreadRecorder.drain(), "no event loop was blocked");
    } finally {
      engine.stop();
    }
  }
}
