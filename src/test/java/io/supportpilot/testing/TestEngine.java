package io.supportpilot.testing;

import io.supportpilot.Engine;
import io.supportpilot.agent.SupportAgentVerticle;
import io.supportpilot.bus.Addresses;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a whole engine for a test on a fresh database, on a free port, with test secrets. */
public final class TestEngine {

  public static final String ADMIN_TOKEN = "test-admin-token";
  public static final String PORTAL_TOKEN = "test-portal-token";
  public static final String MCP_SECRET = "test-mcp-secret";
  public static final String SENTRY_SECRET = "test-sentry-secret";

  private TestEngine() {
  }

  /** The environment a test engine starts with; add or replace entries before {@link #start(Map)}. */
  public static Map<String, String> env(String pgUrl) {
    Map<String, String> env = new HashMap<>();
    env.put("PG_URL", pgUrl);
    env.put("HTTP_PORT", "0");
    env.put("HTTP_INSTANCES", "2");
    env.put("ADMIN_TOKEN", ADMIN_TOKEN);
    env.put("PORTAL_SERVICE_TOKEN", PORTAL_TOKEN);
    env.put("MCP_WEBHOOK_SECRET", MCP_SECRET);
    env.put("SENTRY_CLIENT_SECRET", SENTRY_SECRET);
    // A blocked-thread warning fails the test class (NoBlockedThreads). On a machine where other processes starve
    // the test JVM of CPU, -Dsupportpilot.test.max-loop-time=2s raises the bar explicitly; the default stays strict.
    String loopLimit = System.getProperty("supportpilot.test.max-loop-time", "200ms");
    env.put("VERTX_MAX_EVENT_LOOP_EXECUTE_TIME", loopLimit);
    // With the stack, a blocked-thread failure shows what held the event loop.
    env.put("VERTX_BLOCKED_THREAD_STACK_AFTER", loopLimit);
    env.put("SHUTDOWN_GRACE", "5s");
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    return env;
  }

  /** Starts an engine on a fresh database named after the test class. */
  public static Engine start(Class<?> testClass) {
    return Engine.start(env(TestDatabase.freshDatabase(testClass.getSimpleName())));
  }

  /** Starts an engine with the given environment. */
  public static Engine start(Map<String, String> env) {
    return Engine.start(new HashMap<>(env));
  }

  /**
   * Waits until the engine's support agent has finished everything handed to it so far: a scan is requested (it
   * runs on the agent's event loop after every event the bus has already delivered there, and offers what it finds),
   * then the agent's queue gauge (waiting plus running) must come back to 0. The positive event that lets a test
   * check that something did NOT happen (a second answer) without sleeping.
   */
  public static void awaitAgentIdle(Engine engine) {
    try {
      engine.vertx().eventBus().request(Addresses.AGENT_SCAN_NOW, "now").await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the agent scan did not answer", e);
    }
    Await.until("the agent's queue is empty and nothing runs", Duration.ofSeconds(30),
        () -> engine.context().registry().get(SupportAgentVerticle.METRIC_QUEUED).gauge().value() == 0);
  }
}
