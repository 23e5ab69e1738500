package io.supportpilot.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EngineFoundationTest {

  static Engine engine;
  static int port;

  @BeforeAll
  static void start() {
    engine = TestEngine.start(EngineFoundationTest.class);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  @Test
  void healthIsUpWithTheDatabase() {
    // Verifies that readiness reports the database check and liveness answers.
    HttpResponse<String> r = Http.get(port, "/health");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("UP", body.getString("status"));
    assertEquals("UP", body.getJsonObject("checks").getJsonObject("database").getString("status"));
    assertEquals(200, Http.get(port, "/health/live").statusCode());
  }

  @Test
  void adminEndpointsRefuseMissingOrWrongTokensAndAcceptTheRightOne() {
    // Verifies bearer auth on /api/admin: 401 without a token, 401 with a wrong one, 200 with the right one.
    HttpResponse<String> none = Http.get(port, "/api/admin/config");
    assertEquals(401, none.statusCode());
    assertEquals("unauthorized", new JsonObject(none.body()).getString("error"));
    assertEquals(401, Http.get(port, "/api/admin/config", "Authorization", "Bearer nope").statusCode());
    assertEquals(401, Http.get(port, "/api/admin/config", "Authorization", "Basic Zm9vOmJhcg==").statusCode());
    assertEquals(401, Http.post(port, "/api/triage", "{}", "Authorization", "Bearer nope").statusCode());
    HttpResponse<String> ok = Http.get(port, "/api/admin/config", Http.admin());
    assertEquals(200, ok.statusCode(), ok.body());
    assertFalse(ok.body().contains(TestEngine.ADMIN_TOKEN), "the token never appears in responses");
    assertFalse(ok.body().contains(TestEngine.MCP_SECRET));
    assertTrue(new JsonObject(ok.body()).getJsonObject("config").containsKey("http.port"));
  }

  @Test
  void customerEndpointsNeedThePortalToken() {
    // Verifies that /api/support/* refuses requests without the portal service token.
    assertEquals(401, Http.post(port, "/api/support/conversations", "{}").statusCode());
    assertEquals(401, Http.post(port, "/api/support/conversations", "{}", "Authorization",
        "Bearer " + TestEngine.ADMIN_TOKEN).statusCode());
  }

  @Test
  void unknownRoutesAndOversizedBodiesGetJsonErrors() {
    // Verifies the one failure handler: JSON 404 for unknown paths, 413 over the body limit.
    HttpResponse<String> missing = Http.get(port, "/nope");
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", new JsonObject(missing.body()).getString("error"));
    byte[] big = new byte[2 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) 'a');
    HttpResponse<String> tooBig = Http.post(port, "/api/admin/articles", big, Http.admin());
    assertEquals(413, tooBig.statusCode());
  }

  @Test
  void metricsAreValidPrometheusText() throws Exception {
    // Verifies that /metrics carries JVM, Vert.x HTTP and pool metrics and latency histogram buckets, and passes
    // `promtool check metrics`.
    Http.get(port, "/health");
    HttpResponse<String> r = Http.get(port, "/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = r.body();
    assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");
    assertFalse(text.contains("vertx_http_server_requests_total"), "Vert.x per-request meters are off by default");
    assertTrue(text.contains("supportpilot_ingest_"), "the engine's own ingest meters");
    assertTrue(text.contains("supportpilot_ingest_ack_latency_seconds_bucket{"), "latency as histogram buckets");
    assertTrue(text.contains("vertx_pool_") || text.contains("vertx_sql_"), "pool metrics");
    Path file = Files.createTempFile("metrics", ".txt");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    String promtool = findPromtool();
    Process p = new ProcessBuilder(promtool, "check", "metrics").redirectInput(file.toFile())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "promtool check metrics: " + out);
  }

  static String findPromtool() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      File f = new File(dir, "promtool");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    throw new AssertionError("promtool is not installed: the README's test command installs it (Debian package prometheus)");
  }

  @Test
  void healthIsDownWhenTheDatabaseIsDownAndUpAgainAfter() throws Exception {
    // Verifies readiness 503 while the engine's own Postgres server is stopped, and 200 after it is back.
    var pg = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().start();
    Path dir = Files.createTempDirectory("pgdown");
    pg.close();
    var own = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().setDataDirectory(dir)
        .setCleanDataDirectory(false).start();
    int pgPort = own.getPort();
    Map<String, String> env = TestEngine.env("postgresql://postgres:postgres@localhost:" + pgPort + "/postgres");
    Engine e = TestEngine.start(env);
    try {
      assertEquals(200, Http.get(e.port(), "/health").statusCode());
      own.close();
      HttpResponse<String> down = Http.get(e.port(), "/health");
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("DOWN", new JsonObject(down.body()).getJsonObject("checks").getJsonObject("database")
          .getString("status"));
      own = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().setDataDirectory(dir)
          .setCleanDataDirectory(false).setPort(pgPort).start();
      Await.value("health recovers by itself", Duration.ofSeconds(20), () -> Http.get(e.port(), "/health"),
          r -> r.statusCode() == 200);
    } finally {
      e.stop();
      own.close();
      io.supportpilot.testing.TestDatabase.deleteTree(dir);
    }
  }
}
