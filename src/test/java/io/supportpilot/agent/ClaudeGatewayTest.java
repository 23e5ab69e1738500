package io.supportpilot.agent;

import static io.supportpilot.agent.FakeAnthropic.message;
import static io.supportpilot.agent.FakeAnthropic.ok;
import static io.supportpilot.agent.FakeAnthropic.okAfter;
import static io.supportpilot.agent.FakeAnthropic.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.store.Database;
import io.supportpilot.store.Migrations;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Claude gateway on its own: the rate limit under a burst, the concurrency limit, the daily token budget. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClaudeGatewayTest {

  static Vertx vertx;
  static Pool pool;
  static FakeAnthropic fake;

  @BeforeAll
  static void start() {
    String url = TestDatabase.freshDatabase("ClaudeGatewayTest");
    Migrations.migrate(url);
    vertx = Vertx.vertx();
    pool = Database.pool(vertx, url, new EngineConfig.Pg(Optional.of(url), Path.of("data"), 0, 4, 16));
    fake = new FakeAnthropic();
  }

  @AfterAll
  static void stop() throws Exception {
    fake.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    fake.reset();
  }

  static ClaudeGateway gateway(int perSecond, int concurrent, long budget) {
    AgentConfig.Anthropic cfg = new AgentConfig.Anthropic(fake.baseUrl(), "claude-test", "2023-06-01", 256,
        Duration.ofSeconds(5), perSecond, concurrent, 10_000, 2, Duration.ofMillis(20), Duration.ofSeconds(10), budget,
        50, 20, Duration.ofSeconds(30), Optional.of(FakeAnthropic.KEY));
    ClaudeGateway g = ClaudeGateway.create(vertx, cfg, true, pool, Clock.systemUTC(), new SimpleMeterRegistry());
    try {
      g.start().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return g;
  }

  static JsonObject request(String text) {
    return new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", text)));
  }

  // Verifies that a burst of 30 calls never exceeds the configured 5 requests in any sliding second at the API,
  // and never more than 2 in flight, while every call still completes.
  @Test
  void burstNeverExceedsTheRateOrConcurrencyLimit() throws Exception {
    fake.fallback(req -> okAfter(message("end_turn", text("ok")), 300));
    ClaudeGateway g = gateway(5, 2, 10_000_000);
    List<Future<ClaudeReply>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      calls.add(g.send(request("burst " + i), null, "test"));
    }
    Future.all(calls).await(60, TimeUnit.SECONDS);
    assertEquals(30, fake.received().size());
    int maxPerSecond = fake.maxInWindow(1000);
    // The gateway spaces its sends >= 207 ms apart (5/s plus margin), so six sends span >= 1,035 ms. The fake sees
    // arrivals: on a starved machine (CI on 2 cores) one request can leave late and arrive just before the next, so
    // the bar allows 150 ms of transit jitter. A gateway that does not pace (2 in flight, 300 ms replies: ~6.7/s,
    // two at once) still fails it.
    int maxInJitteredSecond = fake.maxInWindow(1000 - 150);
    System.out.println("[measure] gateway burst: 30 calls, limit 5/s: max " + maxPerSecond
        + " requests in any sliding second at the fake (" + maxInJitteredSecond + " in any 850 ms); max in flight "
        + fake.maxConcurrent());
    assertTrue(maxInJitteredSecond <= 5, "max in a sliding 850 ms: " + maxInJitteredSecond);
    assertTrue(fake.maxConcurrent() <= 2, "max in flight: " + fake.maxConcurrent());
    assertEquals(List.of(), fake.violations());
    g.close();
  }

  // Verifies the daily token budget: once spent, calls are refused before reaching the API.
  @Test
  void dailyBudgetRefusesOnceSpent() throws Exception {
    fake.fallback(req -> ok(message("end_turn", 600, 600, text("expensive"))));
    ClaudeGateway g = gateway(100, 4, 1000);
    g.send(request("first"), null, "test").await(10, TimeUnit.SECONDS);
    assertTrue(g.budgetRemaining() <= 0);
    assertEquals(ClaudeGateway.Refusal.BUDGET_SPENT, g.unavailableReason());
    Throwable t = g.send(request("second"), null, "test").transform(ar -> Future.succeededFuture(ar.cause()))
        .await(10, TimeUnit.SECONDS);
    assertInstanceOf(ClaudeGateway.Unavailable.class, t);
    assertEquals(ClaudeGateway.Refusal.BUDGET_SPENT, ((ClaudeGateway.Unavailable) t).reason());
    assertEquals(1, fake.received().size());
    g.close();
    // A restarted gateway reads today's use from claude_calls: the budget stays spent.
    ClaudeGateway again = gateway(100, 4, 1000);
    assertEquals(ClaudeGateway.Refusal.BUDGET_SPENT, again.unavailableReason());
    again.close();
  }

  // Verifies that without a key nothing is sent and the reason is no_key.
  @Test
  void noKeyMeansOffline() {
    AgentConfig.Anthropic cfg = new AgentConfig.Anthropic(fake.baseUrl(), "m", "2023-06-01", 256, Duration.ofSeconds(1),
        5, 2, 10, 0, Duration.ofMillis(10), Duration.ofSeconds(1), 1000, 50, 20, Duration.ofSeconds(1),
        Optional.empty());
    ClaudeGateway g = ClaudeGateway.create(vertx, cfg, true, pool, Clock.systemUTC(), new SimpleMeterRegistry());
    assertEquals(ClaudeGateway.Refusal.NO_KEY, g.unavailableReason());
    assertTrue(g.send(request("x"), null, "test").failed());
    assertEquals(0, fake.received().size());
    g.close();
  }

  // Verifies that a 429 for a reached spend cap is not retried (retrying cannot help), unlike a plain rate limit.
  @Test
  void spendCapIsNotRetried() throws Exception {
    fake.fallback(req -> new FakeAnthropic.Step(429, "1", new JsonObject().put("type", "error").put("error",
        new JsonObject().put("type", "rate_limit_error").put("message", "spend cap")
            .put("details", new JsonObject().put("error_code", "enforced_spend_limit_reached"))).encode(), 0));
    ClaudeGateway g = gateway(100, 4, 1_000_000);
    Throwable t = g.send(request("capped"), null, "test").transform(ar -> Future.succeededFuture(ar.cause()))
        .await(10, TimeUnit.SECONDS);
    assertInstanceOf(ClaudeGateway.Unavailable.class, t);
    assertEquals(1, fake.received().size());
    g.close();
  }

  // Verifies retry-after parsing: seconds, fractions, absent and garbage.
  @Test
  void retryAfterParsing() {
    assertEquals(1000, ReplyReader.retryAfterMs("1"));
    assertEquals(1500, ReplyReader.retryAfterMs("1.5"));
    assertEquals(-1, ReplyReader.retryAfterMs(null));
    assertEquals(-1, ReplyReader.retryAfterMs("soon"));
  }
}
