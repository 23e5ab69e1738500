package io.supportpilot.rules;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.Secrets;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestEngine;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Shared helpers of the rules tests: start on a given clock, signed MCP webhooks, admin calls, flushes. */
final class RulesFixture {

  private RulesFixture() {
  }

  static Engine start(Map<String, String> env, Clock clock) {
    return Engine.start(ConfigLoader.load(env), Secrets.from(env), clock);
  }

  /**
   * An error rule fires once per (user, fingerprint) per {@code rules.error-window} (10 minutes by default) aligned to
   * the engine's clock: errors that straddle a window's end fire each bug again. A test that counts firings calls this
   * first: within a minute of a window's end it waits into the next one. (The clock cannot simply be moved instead:
   * webhook signatures carry the real time.)
   */
  static void awayFromErrorWindowEnd(Clock clock) throws InterruptedException {
    long window = Duration.ofMinutes(10).toMillis();
    long toEnd = window - clock.millis() % window;
    if (toEnd < 60_000) {
      Thread.sleep(toEnd + 1_000);
    }
  }

  static HttpResponse<String> mcp(int port, String path, String body, String contentType) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    long ts = System.currentTimeMillis() / 1000;
    return Http.post(port, path, b, "Content-Type", contentType, "X-Timestamp", String.valueOf(ts),
        "X-Signature", "sha256=" + hmac(TestEngine.MCP_SECRET, ts + ".", b));
  }

  static String hmac(String secret, String prefix, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update(prefix.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row as text, or null. */
  static String queryString(String url, String sql) {
    try (java.sql.Connection c = io.supportpilot.testing.TestDatabase.connect(url);
        java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<String> admin(int port, String method, String path, String body) {
    return Http.method(port, method, path, body, Http.admin());
  }

  /** Writes counters and run outcomes gathered in memory now. */
  static void flush(Engine engine) {
    try {
      engine.vertx().eventBus().request(Addresses.RULES_FLUSH, "").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one schedule pass now; the number of firings this instance claimed. */
  static int schedulePass(Engine engine) {
    try {
      return (Integer) engine.vertx().eventBus().request(Addresses.RULES_SCHEDULE_NOW, "")
          .await(30, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
