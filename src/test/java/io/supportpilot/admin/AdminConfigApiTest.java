package io.supportpilot.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.config.Secrets;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /api/admin/config} never shows a credential: URL passwords, webhook secrets and secrets are masked. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminConfigApiTest {

  static final String PG_PASSWORD = "Pg-pass-7781";
  static final String SLACK_SECRET = "slackpathsecret42";
  static final String ANTHROPIC_KEY = "sk-ant-config-test-key";
  static Engine engine;
  static int port;

  @BeforeAll
  static void start() {
    // The embedded test server trusts local connections, so any password works; it only has to be in the URL.
    String pg = TestDatabase.freshDatabase("AdminConfigApiTest").replace("postgres:postgres@",
        "postgres:" + PG_PASSWORD + "@");
    Map<String, String> env = TestEngine.env(pg);
    env.put("SLACK_WEBHOOK_URL", "https://hooks.slack.example:8443/services/T01/B02/" + SLACK_SECRET);
    env.put("ANTHROPIC_API_KEY", ANTHROPIC_KEY);
    env.put("AGENT_OFFLINE_ONLY", "true");
    engine = TestEngine.start(env);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  @Test
  void configMasksCredentialsAndReportsSecretsAsSetOrUnset() {
    // Verifies that the config endpoint shows neither the Postgres password inside PG_URL, nor the Slack webhook's
    // secret path, nor any secret value, and that secrets are a JSON object of set/unset flags.
    HttpResponse<String> r = Http.get(port, "/api/admin/config", Http.admin());
    assertEquals(200, r.statusCode(), r.body());
    String body = r.body();
    for (String secret : new String[] {PG_PASSWORD, SLACK_SECRET, "T01/B02", ANTHROPIC_KEY, TestEngine.ADMIN_TOKEN,
        TestEngine.MCP_SECRET, TestEngine.PORTAL_TOKEN, TestEngine.SENTRY_SECRET}) {
      assertFalse(body.contains(secret), "the response holds " + secret + ": " + body);
    }
    JsonObject json = new JsonObject(body);
    JsonObject config = json.getJsonObject("config");
    String pgUrl = config.getJsonObject("pg.url").getString("value");
    assertTrue(pgUrl.startsWith("postgresql://postgres:***@localhost:"), pgUrl);
    assertEquals("PG_URL", config.getJsonObject("pg.url").getString("origin"));
    assertEquals("https://hooks.slack.example:8443/***", config.getJsonObject("slack.webhook-url").getString("value"));
    assertEquals("0", config.getJsonObject("http.port").getString("value"), "ordinary values stay readable");
    JsonObject secrets = json.getJsonObject("secrets");
    assertEquals(Secrets.NAMES.length, secrets.size());
    assertEquals("set", secrets.getString("ANTHROPIC_API_KEY"));
    assertEquals("set", secrets.getString("ADMIN_TOKEN"));
    assertEquals("unset", secrets.getString("GITHUB_TOKEN"));
  }

  @Test
  void redactionCoversUserInfoQueryParametersAndSecretNamedKeys() {
    // Verifies the masking rules one by one, including values that must stay visible.
    assertEquals("postgresql://app:***@db:5432/x", ConfigRedaction.value("pg.url", "postgresql://app:pw@db:5432/x"));
    assertEquals("postgresql://***@db/x", ConfigRedaction.value("pg.url", "postgresql://tokenonly@db/x"));
    assertEquals("jdbc:postgresql://db/x?user=a&password=***&ssl=true",
        ConfigRedaction.value("pg.url", "jdbc:postgresql://db/x?user=a&password=hunter2&ssl=true"));
    assertEquals("https://hooks.slack.com/***",
        ConfigRedaction.value("slack.webhook-url", "https://hooks.slack.com/services/T/B/X"));
    assertEquals("***", ConfigRedaction.value("smtp.password", "pw"));
    assertEquals("***", ConfigRedaction.value("voyage.api-key", "k"));
    assertEquals("10m", ConfigRedaction.value("spikes.stream.token-ttl", "10m"));
    assertEquals("1024", ConfigRedaction.value("anthropic.max-tokens", "1024"));
    assertEquals("https://api.anthropic.com", ConfigRedaction.value("anthropic.base-url", "https://api.anthropic.com"));
    assertEquals("", ConfigRedaction.value("slack.webhook-url", ""));
  }
}
