package io.supportpilot.spike;

import static io.supportpilot.spike.SpikeFixture.count;
import static io.supportpilot.spike.SpikeFixture.counters;
import static io.supportpilot.spike.SpikeFixture.storeAndPublish;
import static io.supportpilot.spike.SpikeFixture.tick;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.Addresses;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
@ExtendWith(VertxExtension.class)
class SpikeDetectionTest {

  static final Duration WAIT = Duration.ofSeconds(10);
  static MovableClock clock;
  static Engine engine;
  static String pg;
  static Vertx fakes;
  static final Queue<JsonObject> slack = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() throws Exception {
    fakes = Vertx.vertx();
    HttpServer slackServer = fakes.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      if (req.method().name().equals("POST") && req.path().equals("/services/T1/B2/secret")
          && req.getHeader("Content-Type").startsWith("application/json")) {
        slack.add(b.toJsonObject());
        req.response().setStatusCode(200).end("ok");
      } else {
        req.response().setStatusCode(400).end("invalid_payload");
      }
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    pg = TestDatabase.freshDatabase("SpikeDetectionTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("SLACK_WEBHOOK_URL", "http://127.0.0.1:" + slackServer.actualPort() + "/services/T1/B2/secret");
    env.put("SPIKES_TICK_INTERVAL", "1h");
    env.put("DEVOPS_ENABLED", "false"); // the spike's DevOps task stays open here (the agent would work it)
    env.put("SPIKES_STREAM_HEARTBEAT", "200ms");
    clock = MovableClock.at(Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(5)));
    engine = SpikeFixture.start(env, clock);
  }

  @AfterAll
  static void stop() throws Exception {
    if (engine != null) {
      engine.stop();
    }
    fakes.close().await(10, TimeUnit.SECONDS);
  }

  static long spikes(String type) {
    return count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + type + "'");
  }

  static long activeSpikes(String type) {
    return count(pg, "SELECT count(*) FROM spikes WHERE status = 'active' AND error_type = '" + type + "'");
  }

  @Test
  void aBrandNewTypeSpikesAtSixErrorsNotFiveAndOpensOnce(VertxTestContext bus) throws Exception {
    // Verifies the plan's "> 5" boundary for a brand-new type (24 h average over a window whose missing history
    // counts as zero), and that opening records the spike, notifies admins (table, bus, Slack) and creates one
    // DevOps task with five samples because no pattern knows the type.
    String type = "NewTypeError";
    // What the engine publishes when the spike opens: its DevOps task and the admin notification.
    AtomicReference<JsonObject> task = new AtomicReference<>();
    Checkpoint taskOnBus = bus.laxCheckpoint();
    Checkpoint notificationOnBus = bus.laxCheckpoint();
    MessageConsumer<JsonObject> tasks = engine.vertx().eventBus().localConsumer(Addresses.DEVOPS_TASKS, m -> {
      if (type.equals(m.body().getJsonObject("details", new JsonObject()).getString("error_type"))) {
        task.set(m.body());
        taskOnBus.flag();
      }
    });
    MessageConsumer<JsonObject> notices = engine.vertx().eventBus().localConsumer(Addresses.ADMIN_NOTIFICATIONS,
        m -> {
          if (m.body().getString("title", "").contains(type + " ")) {
            notificationOnBus.flag();
          }
        });
    Future.all(tasks.completion(), notices.completion()).await(10, TimeUnit.SECONDS);
    try {
      checkTheSpikeOfANewType(type, bus, task);
    } finally {
      tasks.unregister();
      notices.unregister();
    }
  }

  /** The body of the test above, while its bus consumers listen. */
  private void checkTheSpikeOfANewType(String type, VertxTestContext bus, AtomicReference<JsonObject> seen)
      throws Exception {
    storeAndPublish(engine, pg, type, 5, clock.instant());
    JsonObject c = counters(engine, type);
    assertEquals(5, c.getInteger("count_last_hour"));
    assertEquals(5, c.getInteger("count_24h"));
    assertFalse(c.getBoolean("spike"), "exactly 5 is not a spike");
    assertEquals(0, spikes(type));

    storeAndPublish(engine, pg, type, 1, clock.instant());
    Await.until("the spike row", WAIT, () -> activeSpikes(type) == 1);
    Await.until("the task and notification links", WAIT,
        () -> count(pg, "SELECT count(*) FROM spikes WHERE error_type = '"
        + type + "' AND devops_task_id IS NOT NULL AND notification_id IS NOT NULL") == 1);
    storeAndPublish(engine, pg, type, 20, clock.instant());
    tick(engine);
    assertEquals(1, spikes(type), "more errors do not open a second spike");

    JsonObject row = new JsonObject(Http.get(engine.port(), "/api/admin/spikes?status=active", Http.admin()).body())
        .getJsonArray("spikes").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("error_type").equals(type)).findFirst().orElseThrow();
    assertEquals(6, row.getInteger("count_last_hour"), "recorded at open");
    assertEquals(24.0, row.getDouble("ratio"));
    assertEquals(5, row.getJsonArray("sample_errors").size());
    assertNull(row.getString("pattern_id"));
    String taskId = row.getString("devops_task_id");
    assertEquals("error_spike", TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE id = '" + taskId
        + "' AND type = 'error_spike' AND error_type = '" + type + "' AND details->>'count' = '6' "
        + "AND jsonb_array_length(details->'sample_errors') = 5") == 1 ? "error_spike" : "missing task");
    assertTrue(bus.awaitCompletion(WAIT.toSeconds(), TimeUnit.SECONDS), "the task and the notification on the bus");
    JsonObject task = seen.get();
    assertEquals(taskId, task.getString("id"));
    assertEquals("error_spike", task.getString("type"));
    assertEquals(type, task.getJsonObject("details").getString("error_type"));
    assertEquals(6, task.getJsonObject("details").getInteger("count"));
    JsonArray samples = task.getJsonObject("details").getJsonArray("sample_errors");
    assertEquals(5, samples.size());
    assertNotNull(samples.getJsonObject(0).getString("message"));
    assertNotNull(samples.getJsonObject(0).getString("stack"), "the task keeps the stack");

    assertEquals(1, count(pg, "SELECT count(*) FROM admin_notifications WHERE kind = 'error_spike' "
        + "AND title LIKE 'Error spike: " + type + " %'"));
    Await.until("the Slack post", WAIT, () -> slack.stream().anyMatch(s -> s.getString("text").contains(type)));
    assertEquals(1, slack.stream().filter(s -> s.getString("text").contains(type + " ")).count());

    ActiveSpikes active = engine.capability(SpikesCapability.class).activeSpikes().orElseThrow();
    assertTrue(active.active().stream().anyMatch(s -> s.errorType().equals(type) && s.active()));
    String metrics = Http.get(engine.port(), "/metrics").body();
    assertTrue(metrics.contains("supportpilot_spikes_opened_total"), metrics);
    assertTrue(metrics.contains("supportpilot_spikes_active"));
    assertTrue(metrics.contains("supportpilot_spikes_sse_subscribers"));
    assertTrue(metrics.contains("supportpilot_spikes_sse_dropped_total"));
  }

  @Test
  void aKnownPatternMeansNoDevOpsTask() {
    // Verifies the pattern lookup: a type listed in an active pattern's error_types spikes without a DevOps task.
    String type = "KnownTokenExpired";
    TestDatabase.exec(pg, "INSERT INTO support_patterns (id, name, error_types) VALUES ('p-known', 'Known', "
        + "ARRAY['" + type + "'])");
    storeAndPublish(engine, pg, type, 8, clock.instant());
    Await.until("the pattern link", WAIT, () -> count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + type
        + "' AND pattern_id = 'p-known' AND notification_id IS NOT NULL") == 1);
    assertEquals(0, count(pg, "SELECT count(*) FROM devops_tasks WHERE type = 'error_spike' AND error_type = '"
        + type + "'"));
  }

  @Test
  void ratioExactlyThreeIsNotASpikeAndSpikesEndWhenTheRuleStopsHolding() {
    // Verifies the ratio boundary with real history (hours pass on the clock): 30 in the last hour against a
    // 24 h count of 240 (ratio exactly 3) is no spike, 31 against 241 is; the first burst's spike ends once the
    // rule has not held for spikes.close-after, and the second spike reuses the still-open DevOps task.
    String type = "RatioError";
    storeAndPublish(engine, pg, type, 210, clock.instant());
    Await.until("the first spike", WAIT, () -> activeSpikes(type) == 1);
    // Only error_spike tasks: the auto-ticket sweep may ticket these rows and the agent escalate them meanwhile.
    Await.until("the first task", WAIT, () -> count(pg, "SELECT count(*) FROM devops_tasks WHERE type = 'error_spike' "
        + "AND error_type = '"
        + type + "'") == 1);

    clock.advance(Duration.ofMinutes(59));
    tick(engine);
    assertEquals(210, counters(engine, type).getInteger("count_last_hour"), "59 minutes later still in the hour");
    clock.advance(Duration.ofMinutes(1));
    tick(engine);
    assertEquals(0, counters(engine, type).getInteger("count_last_hour"), "60 minutes later out of the hour");
    assertEquals(210, counters(engine, type).getInteger("count_24h"));
    assertEquals(1, activeSpikes(type), "not ended before close-after (15 min) has passed");
    clock.advance(Duration.ofMinutes(16));
    tick(engine);
    Await.until("the end of the first spike", WAIT, () -> activeSpikes(type) == 0);
    assertEquals(1, count(pg, "SELECT count(*) FROM spike_history h JOIN spikes s ON s.id = h.spike_id "
        + "WHERE s.error_type = '" + type + "' AND h.event = 'ended'"));

    storeAndPublish(engine, pg, type, 30, clock.instant());
    JsonObject c = counters(engine, type);
    assertEquals(30, c.getInteger("count_last_hour"));
    assertEquals(240, c.getInteger("count_24h"));
    assertEquals(3.0, c.getDouble("ratio"));
    assertFalse(c.getBoolean("spike"), "a ratio of exactly 3 is not a spike");
    tick(engine);
    assertEquals(1, spikes(type), "no second spike at ratio 3");

    storeAndPublish(engine, pg, type, 1, clock.instant());
    Await.until("the second spike", WAIT, () -> activeSpikes(type) == 1);
    assertEquals(2, spikes(type));
    Await.until("the second spike's task link", WAIT, () -> count(pg, "SELECT count(*) FROM spikes WHERE error_type = '"
        + type + "' AND status = 'active' AND devops_task_id IS NOT NULL") == 1);
    assertEquals(1, count(pg, "SELECT count(*) FROM devops_tasks WHERE type = 'error_spike' AND error_type = '"
        + type + "'"),
        "the open task of the first spike is reused");
  }

  @Test
  void aSteadyHighRateOverDaysIsNotASpike() {
    // Verifies rotation over 30 simulated hours at a steady 100 errors per hour (10 every 6 minutes): the type's
    // first hours look like a surge (no history yet: ratio 24/h-since-start), that one spike ends once the ratio
    // falls to 3, and the steady rate never opens another; the 24 h count settles near 24 x 100.
    String type = "SteadyError";
    for (int step = 0; step < 30 * 10; step++) {
      SpikeFixture.publish(engine, type, 10, clock.instant());
      if (step == 0) {
        // Simulated hours pass in milliseconds: let the spike be recorded before its first simulated minutes pass.
        Await.until("the initial spike", WAIT, () -> count(pg, "SELECT count(*) FROM spikes WHERE error_type = '" + type
            + "' AND notification_id IS NOT NULL") == 1);
      }
      clock.advance(Duration.ofMinutes(6));
      tick(engine);
    }
    SpikeFixture.publish(engine, type, 10, clock.instant());
    JsonObject c = counters(engine, type);
    assertEquals(100, c.getInteger("count_last_hour"));
    int day = c.getInteger("count_24h");
    assertTrue(day >= 2300 && day <= 2400, "23 full hours plus the current one: " + day);
    assertTrue(c.getDouble("ratio") >= 1.0 && c.getDouble("ratio") < 1.05, c.encode());
    assertFalse(c.getBoolean("spike"));
    Await.until("the spike row", WAIT, () -> spikes(type) == 1);
    assertEquals(1, spikes(type), "only the start of the stream looked like a spike");
    assertEquals(0, activeSpikes(type));
    JsonObject ended = new JsonObject(Http.get(engine.port(), "/api/admin/spikes?status=ended&limit=500",
        Http.admin()).body()).getJsonArray("spikes").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("error_type").equals(type)).findFirst().orElseThrow();
    Duration lasted = Duration.between(Instant.parse(ended.getString("started_at")),
        Instant.parse(ended.getString("ended_at")));
    assertTrue(lasted.toHours() >= 7 && lasted.toHours() <= 9, "open while the ratio was above 3: " + lasted);
  }
}
