package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.counters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpikeSlowSubscriberTest {

  @Test
  void aSubscriberThatStopsReadingIsDroppedAndOthersKeepUp() throws Exception {
    // Verifies back-pressure handling: a subscriber that never reads fills its write queue and is disconnected
    // (counted in the dropped metric), while a reading subscriber gets every frame and counting goes on.
    String pg = TestDatabase.freshDatabase("SpikeSlowSubscriberTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("SPIKES_TICK_INTERVAL", "1h");
    env.put("SPIKES_UPDATE_INTERVAL", "0s");
    env.put("SPIKES_STREAM_WRITE_QUEUE_BYTES", "1024");
    MovableClock clock = MovableClock.at(Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(5)));
    Engine engine = SpikeFixture.start(env, clock);
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(1024);
      stalled.connect(new InetSocketAddress("127.0.0.1", engine.port()), 5_000);
      OutputStream out = stalled.getOutputStream();
      out.write(("GET /api/admin/spikes/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
          + TestEngine.ADMIN_TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      try (SseClient reader = SseClient.open(engine.port(), "/api/admin/spikes/stream", Http.admin())) {
        Await.until("two subscribers", Duration.ofSeconds(10), () -> Http.get(engine.port(), "/metrics").body()
            .contains("supportpilot_spikes_sse_subscribers 2.0"));
        String type = "FloodError";
        SpikeFixture.storeAndPublish(engine, pg, type, 6, clock.instant());
        assertNotNull(reader.nextEvent(Duration.ofSeconds(10)));
        int frames = 1;
        // Every batch changes the count, and with no update interval each one is a ~1 KB frame.
        for (int i = 0; i < 2_000; i++) {
          engine.vertx().eventBus().publish(Addresses.ERRORS_STORED,
              new StoredErrors(SpikeFixture.errors(type, 1, clock.instant(), 3)));
          if (i % 50 == 49) {
            SpikeFixture.tick(engine);
            while (reader.nextEvent(Duration.ofMillis(1)) != null) {
              frames++;
            }
          }
          if (Http.get(engine.port(), "/metrics").body().contains("supportpilot_spikes_sse_dropped_total 1.0")) {
            break;
          }
        }
        Await.until("the stalled subscriber to be dropped", Duration.ofSeconds(10), () -> Http.get(engine.port(),
            "/metrics").body().contains("supportpilot_spikes_sse_dropped_total 1.0"));
        assertTrue(Http.get(engine.port(), "/metrics").body().contains("supportpilot_spikes_sse_subscribers 1.0"),
            "the reading subscriber is still there");
        int counted = counters(engine, type).getInteger("count_last_hour");
        SpikeFixture.storeAndPublish(engine, pg, type, 1, clock.instant());
        while (reader.nextEvent(Duration.ofMillis(300)) != null) {
          frames++;
        }
        assertEquals(counted + 1, counters(engine, type).getInteger("count_last_hour"));
        assertEquals(counted - 6 + 2, frames, "started, one update per batch, and the last one");
        // The server closed the stalled connection: reading drains what was buffered and then ends.
        stalled.setSoTimeout(10_000);
        InputStream in = stalled.getInputStream();
        byte[] buf = new byte[65536];
        long total = 0;
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          total += n;
        }
        assertTrue(total > 0);
      }
    } finally {
      engine.stop();
    }
  }
}
