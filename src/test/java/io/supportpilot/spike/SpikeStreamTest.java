package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.storeAndPublish;
import static io.supportpilot.spike.SpikeFixture.tick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.SpikeChange;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpikeStreamTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static MovableClock clock;
  static Engine engine;
  static String pg;
  static int port;

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("SpikeStreamTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("SPIKES_TICK_INTERVAL", "1h");
    env.put("SPIKES_STREAM_HEARTBEAT", "300ms");
    env.put("SPIKES_STREAM_RETRY", "2500ms");
    env.put("SPIKES_STREAM_TOKEN_TTL", "60s");
    env.put("SPIKES_STREAM_BUFFER_SIZE", "4");
    clock = MovableClock.at(Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(5)));
    engine = SpikeFixture.start(env, clock);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.stop();
    }
  }

  @Test
  void streamFramesResumeAndHeartbeats() throws Exception {
    // Verifies the SSE framing read by a real HTTP client: content type, the retry hint, spike.started and
    // spike.updated with ids and one-line JSON data, heartbeat comments, Last-Event-ID resume from the buffer,
    // the open spikes for a new subscriber, and the open spikes again when the resume id is no longer buffered.
    try (SseClient live = SseClient.open(port, "/api/admin/spikes/stream", Http.admin())) {
      assertEquals(200, live.status());
      assertTrue(live.response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      assertEquals("no-cache, no-store", live.response.headers().firstValue("Cache-Control").orElse(""));
      SseClient.Frame hello = live.next(WAIT);
      assertEquals(2500L, hello.retry());
      assertNull(hello.event());

      String type = "StreamError";
      storeAndPublish(engine, pg, type, 7, clock.instant());
      SseClient.Frame started = live.nextEvent(WAIT);
      assertNotNull(started, "spike.started arrives");
      assertEquals(SpikeChange.STARTED, started.event());
      assertNotNull(started.id());
      JsonObject data = new JsonObject(started.data());
      assertEquals(type, data.getString("error_type"));
      assertEquals("active", data.getString("status"));
      assertEquals(7, data.getInteger("count_last_hour"));
      assertEquals(7.0 / 24, data.getDouble("hourly_average"), 1e-9);
      assertEquals(24.0, data.getDouble("ratio"));
      assertEquals(5, data.getJsonArray("sample_errors").size());
      assertNull(data.getJsonArray("sample_errors").getJsonObject(0).getString("stack"), "frames leave stacks out");
      assertEquals(3, data.getJsonArray("top_fingerprints").size());
      assertNotNull(data.getString("first_seen_at"));

      SseClient.Frame beat = live.next(WAIT);
      assertTrue(beat.comments().contains("heartbeat"), "heartbeat comment lines keep proxies from closing the stream");

      clock.advance(Duration.ofSeconds(11));
      storeAndPublish(engine, pg, type, 3, clock.instant());
      SseClient.Frame updated = live.nextEvent(WAIT);
      assertEquals(SpikeChange.UPDATED, updated.event());
      assertEquals(10, new JsonObject(updated.data()).getInteger("count_last_hour"));
      assertTrue(Long.parseLong(updated.id()) > Long.parseLong(started.id()));
      storeAndPublish(engine, pg, type, 3, clock.instant());
      assertNull(live.nextEvent(Duration.ofMillis(700)), "updates are throttled to one per update-interval");

      try (SseClient resumed = SseClient.open(port, "/api/admin/spikes/stream", "Authorization",
          "Bearer " + TestEngine.ADMIN_TOKEN, "Last-Event-ID", started.id())) {
        assertEquals(2500L, resumed.next(WAIT).retry());
        SseClient.Frame replay = resumed.nextEvent(WAIT);
        assertEquals(updated.id(), replay.id(), "resume replays what came after the given id");
        assertEquals(SpikeChange.UPDATED, replay.event());
        assertEquals(updated.data(), replay.data());
      }

      try (SseClient fresh = SseClient.open(port, "/api/admin/spikes/stream", Http.admin())) {
        fresh.next(WAIT);
        SseClient.Frame open = fresh.nextEvent(WAIT);
        assertEquals(SpikeChange.ACTIVE, open.event());
        assertNull(open.id(), "the snapshot carries no id, so it never disturbs resume");
        assertEquals(type, new JsonObject(open.data()).getString("error_type"));
        assertEquals(10, new JsonObject(open.data()).getInteger("count_last_hour"));
      }

      // Four more spikes push the first frames out of the four-frame buffer.
      for (int i = 0; i < 4; i++) {
        storeAndPublish(engine, pg, "Other" + i, 6, clock.instant());
        assertEquals("Other" + i, new JsonObject(live.nextEvent(WAIT).data()).getString("error_type"));
      }
      try (SseClient late = SseClient.open(port, "/api/admin/spikes/stream", "Authorization",
          "Bearer " + TestEngine.ADMIN_TOKEN, "Last-Event-ID", started.id())) {
        assertEquals(2500L, late.next(WAIT).retry());
        SseClient.Frame first = late.next(WAIT);
        assertTrue(first.comments().stream().anyMatch(c -> c.contains("no longer buffered")), first.toString());
        int open = 0;
        for (SseClient.Frame f = late.nextEvent(Duration.ofMillis(700)); f != null;
            f = late.nextEvent(Duration.ofMillis(700))) {
          assertEquals(SpikeChange.ACTIVE, f.event());
          open++;
        }
        assertEquals(5, open, "every open spike instead of a partial replay");
      }

      clock.advance(Duration.ofHours(2));
      tick(engine);
      int ended = 0;
      for (int i = 0; i < 5; i++) {
        SseClient.Frame f = live.nextEvent(WAIT);
        assertNotNull(f, "spike.ended " + i);
        assertEquals(SpikeChange.ENDED, f.event());
        JsonObject d = new JsonObject(f.data());
        assertEquals("ended", d.getString("status"));
        assertNotNull(d.getString("ended_at"));
        ended++;
      }
      assertEquals(5, ended, "every spike ends once the rule has not held for close-after");
    }
    Await.until("subscribers to go", WAIT, () -> Http.get(port, "/metrics").body()
        .contains("supportpilot_spikes_sse_subscribers 0.0"));
  }

  @Test
  void theStreamRefusesMissingWrongAndExpiredCredentials() throws Exception {
    // Verifies auth on the stream: no credentials, a wrong bearer token, a forged or expired stream token and a
    // token request without the admin token get 401 JSON; a fresh stream token opens the stream without a header.
    HttpResponse<String> none = Http.get(port, "/api/admin/spikes/stream");
    assertEquals(401, none.statusCode());
    assertEquals("unauthorized", new JsonObject(none.body()).getString("error"));
    assertEquals(401, Http.get(port, "/api/admin/spikes/stream", "Authorization", "Bearer wrong").statusCode());
    assertEquals(401, Http.post(port, "/api/admin/spikes/stream-token", "").statusCode());
    assertEquals(401, Http.get(port, "/api/admin/spikes").statusCode());
    assertEquals(401, Http.get(port, "/api/admin/spikes/counters").statusCode());

    HttpResponse<String> issued = Http.post(port, "/api/admin/spikes/stream-token", "", Http.admin());
    assertEquals(201, issued.statusCode(), issued.body());
    JsonObject body = new JsonObject(issued.body());
    String token = body.getString("token");
    assertFalse(token.contains(TestEngine.ADMIN_TOKEN));
    assertTrue(body.getString("stream_url").endsWith("?token=" + token));
    try (SseClient ok = SseClient.open(port, body.getString("stream_url"))) {
      assertEquals(200, ok.status());
      assertNotNull(ok.next(WAIT).retry());
    }
    String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    HttpResponse<String> bad = Http.get(port, "/api/admin/spikes/stream?token=" + forged);
    assertEquals(401, bad.statusCode());
    assertTrue(new JsonObject(bad.body()).getString("detail").contains("stream token"));
    assertEquals(401, Http.get(port, "/api/admin/spikes/stream?token=" + TestEngine.ADMIN_TOKEN).statusCode(),
        "the admin token is no stream token");
    assertEquals(401, Http.get(port, "/api/admin/config?token=" + token).statusCode(),
        "a stream token opens nothing else");
    clock.advance(Duration.ofSeconds(61));
    HttpResponse<String> expired = Http.get(port, "/api/admin/spikes/stream?token=" + token);
    assertEquals(401, expired.statusCode());
    assertTrue(new JsonObject(expired.body()).getString("detail").contains("expired"));
    HttpResponse<String> badResume = Http.get(port, "/api/admin/spikes/stream", "Authorization",
        "Bearer " + TestEngine.ADMIN_TOKEN, "Last-Event-ID", "abc");
    assertEquals(400, badResume.statusCode());
  }

  @Test
  void theListAndDetailEndpointsValidateInput() {
    // Verifies GET /api/admin/spikes parameters, the 404 of an unknown spike and the counters overview.
    assertEquals(400, Http.get(port, "/api/admin/spikes?status=open", Http.admin()).statusCode());
    assertEquals(400, Http.get(port, "/api/admin/spikes?limit=0", Http.admin()).statusCode());
    assertEquals(400, Http.get(port, "/api/admin/spikes?limit=x", Http.admin()).statusCode());
    HttpResponse<String> missing = Http.get(port, "/api/admin/spikes/nope", Http.admin());
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", new JsonObject(missing.body()).getString("error"));
    JsonObject overview = new JsonObject(Http.get(port, "/api/admin/spikes/counters", Http.admin()).body());
    assertTrue(overview.containsKey("types_tracked"));
    assertTrue(overview.containsKey("estimated_bytes"));
  }
}
