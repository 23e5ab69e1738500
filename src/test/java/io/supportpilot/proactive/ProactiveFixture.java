package io.supportpilot.proactive;

import io.supportpilot.Engine;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.Secrets;
import io.supportpilot.ingest.Signatures;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Helpers for the proactive tests: a clock moved by hand, engines on one database, signed usage, portal calls. */
final class ProactiveFixture {

  private ProactiveFixture() {
  }

  /** A test engine environment: scans only on request, no agent, SMTP at the given port. */
  static Map<String, String> env(String pgUrl, int smtpPort) {
    Map<String, String> env = TestEngine.env(pgUrl);
    env.put("PROACTIVE_ENABLED", "false");
    env.put("AGENT_ENABLED", "false");
    env.put("SMTP_HOST", "127.0.0.1");
    env.put("SMTP_PORT", String.valueOf(smtpPort));
    env.put("SMTP_STARTTLS", "disabled");
    env.put("MAIL_FROM", "support@supportpilot.test");
    env.put("PUBLIC_BASE_URL", "https://portal.example.test");
    env.put("DESK_ROLLUP_INTERVAL", "1h");
    // Usage rollups run when a test asks (rolledUp) or a scan drains them, never behind a test's back.
    env.put("USAGE_ROLLUP_INTERVAL", "1h");
    return env;
  }

  static Engine start(Map<String, String> env, Clock clock) {
    return Engine.start(ConfigLoader.load(env), Secrets.from(env), clock);
  }

  /** PUT /api/support/users/{id}; fails the test unless 200/201. */
  static void user(int port, String id, String email, String plan, String language) {
    HttpResponse<String> r = Http.method(port, "PUT", "/api/support/users/" + id, new JsonObject().put("email", email)
        .put("name", id).put("plan", plan).put("language", language).encode(), Http.portal());
    if (r.statusCode() != 200 && r.statusCode() != 201) {
      throw new AssertionError("user upsert failed: " + r.statusCode() + " " + r.body());
    }
  }

  /** PUT a connection whose refresh token was last used at {@code lastUsed}. */
  static HttpResponse<String> connection(int port, String userId, String connectionId, Instant lastUsed) {
    return Http.method(port, "PUT", "/api/support/users/" + userId + "/connections/" + connectionId,
        new JsonObject().put("status", "active").put("division", "1234")
            .put("access_token_expires_at", lastUsed.plus(Duration.ofMinutes(10)).toString())
            .put("refresh_token_last_used_at", lastUsed.toString()).encode(), Http.portal());
  }

  /** POST /api/admin/proactive/scan; the scan's result. */
  static JsonObject scan(int port) {
    HttpResponse<String> r = Http.post(port, "/api/admin/proactive/scan", "", Http.admin());
    if (r.statusCode() != 200) {
      throw new AssertionError("scan failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** Runs a scan through the event bus with at most {@code batches} batches per step (an interrupted scan). */
  static JsonObject scan(Engine engine, int batches) throws Exception {
    return engine.vertx().eventBus().<JsonObject>request(ProactiveScheduler.RUN_NOW, batches).await(60,
        TimeUnit.SECONDS).body();
  }

  /** The admin queue filtered by the query string. */
  static JsonArray queue(int port, String query) {
    HttpResponse<String> r = Http.get(port, "/api/admin/conversations?" + query, Http.admin());
    if (r.statusCode() != 200) {
      throw new AssertionError("queue failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getJsonArray("items");
  }

  static JsonObject detail(int port, String id) {
    HttpResponse<String> r = Http.get(port, "/api/admin/conversations/" + id, Http.admin());
    if (r.statusCode() != 200) {
      throw new AssertionError("detail failed: " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** Rolls up every acknowledged usage call now; returns how many calls that added to the rollups. */
  static long rolledUp(Engine engine) throws Exception {
    return ((Number) engine.vertx().eventBus().request(UsageRollup.DRAIN, null).await(60, TimeUnit.SECONDS).body()).longValue();
  }

  /** POSTs a signed usage body, signed at the given clock's time. */
  static HttpResponse<String> usage(int port, Clock clock, String body, String contentType) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    long ts = clock.millis() / 1000;
    byte[] prefix = (ts + ".").getBytes(StandardCharsets.US_ASCII);
    String sig = "sha256=" + Signatures.hex(Signatures.withSecret(TestEngine.MCP_SECRET, "t")
        .hmac(prefix, b, 0, b.length));
    return Http.post(port, UsageRoutes.PATH, b, "Content-Type", contentType, "X-Timestamp", String.valueOf(ts),
        "X-Signature", sig);
  }

  /** One usage record as NDJSON line. */
  static String call(String callId, String userId, String tool, String status, Instant at) {
    return new JsonObject().put("call_id", callId).put("user_id", userId).put("connection_id", "c-" + userId)
        .put("tool", tool).put("status", status).put("duration_ms", 42).put("at", at.toString()).encode();
  }
}
