package io.supportpilot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The capabilities together, through HTTP only: an error webhook becomes an auto-ticket that the support agent
 * answers (offline agent, no API key), the same bug again adds context, a surge of a new error type opens a
 * spike, and a customer question in Dutch is answered from the starter knowledge base.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EndToEndTest {

  static Engine engine;
  static String url;
  static int port;

  @BeforeAll
  static void start() {
    url = TestDatabase.freshDatabase("endtoend");
    Map<String, String> env = TestEngine.env(url);
    env.put("KNOWLEDGE_SEED_ENABLED", "true");
    engine = TestEngine.start(env);
    port = engine.port();
    TestDatabase.exec(url,
        "INSERT INTO users(id, email, name, plan, language) VALUES ('u-e2e', 'anna@example.nl', 'Anna', 'pro', 'nl')",
        "INSERT INTO connections(id, user_id, status, token_expires_at) "
            + "VALUES ('c-e2e', 'u-e2e', 'expired', now() - interval '1 day')");
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  @Test
  void anErrorBecomesOneTicketThatTheAgentAnswersAndRepeatsAddContext() {
    // Verifies the plan's error flow end to end: log, auto-ticket, agent answer; a repeat updates the ticket.
    HttpResponse<String> first = mcp(error("e2e-1", "Refresh token expired for division 4411"));
    assertEquals(202, first.statusCode(), first.body());
    assertEquals(200, mcp(error("e2e-1", "Refresh token expired for division 4411")).statusCode(), "duplicate");
    Await.until("auto-ticket created", () -> TestDatabase.queryLong(url, "SELECT count(*) FROM support_conversations "
        + "WHERE user_id = 'u-e2e' AND auto_created") == 1);
    Await.until("the agent answered the auto-ticket",
        () -> TestDatabase.queryLong(url, "SELECT count(*) FROM support_messages m JOIN support_conversations c "
        + "ON c.id = m.conversation_id WHERE c.user_id = 'u-e2e' AND c.auto_created AND m.sender_type = 'agent'") >= 1);
    assertEquals(202, mcp(error("e2e-2", "Refresh token expired for division 9127")).statusCode());
    Await.until("the same bug adds context to the open ticket",
        () -> TestDatabase.queryLong(url, "SELECT max(occurrence_count) FROM support_conversations "
        + "WHERE user_id = 'u-e2e' AND auto_created") >= 2);
    assertEquals(1, TestDatabase.queryLong(url,
        "SELECT count(*) FROM support_conversations WHERE user_id = 'u-e2e' AND auto_created"));
    assertEquals(2, TestDatabase.queryLong(url,
        "SELECT count(*) FROM support_error_log WHERE user_id = 'u-e2e' AND ticket_id IS NOT NULL"));
  }

  @Test
  void aSurgeOfANewErrorTypeOpensASpikeVisibleToAdmins() {
    // Verifies that errors stored through the webhook feed the live spike detector (more than 5 in an hour).
    for (int i = 0; i < 8; i++) {
      JsonObject e = error("surge-" + i, "Division lookup failed " + i)
          .put("error_type", "DivisionLookupError").put("user_id", "u-surge-" + i);
      assertEquals(202, mcp(e).statusCode());
    }
    Await.until("spike listed", () -> {
      HttpResponse<String> r = Http.get(port, "/api/admin/spikes?status=active", Http.admin());
      return r.statusCode() == 200 && r.body().contains("DivisionLookupError");
    });
    Await.until("a spike of a type without a pattern becomes one DevOps task", () -> TestDatabase.queryLong(url,
        "SELECT count(*) FROM devops_tasks WHERE type = 'error_spike' AND error_type = 'DivisionLookupError'") == 1);
  }

  @Test
  void aDutchCustomerQuestionIsAnsweredFromTheKnowledgeBase() {
    // Verifies the customer flow: question in, triage, an agent answer in the customer's language that carries the
    // matched starter article (its Dutch title and its link), not just any message.
    JsonObject q = new JsonObject().put("user_id", "u-e2e").put("subject", "Koppeling werkt niet meer")
        .put("message", "Mijn assistent zegt dat de verbinding met Exact Online verlopen is. Hoe koppel ik opnieuw?");
    HttpResponse<String> created = Http.post(port, "/api/support/conversations", q.encode(), Http.portal());
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    Await.until("agent answered", () -> agentAnswer(id) != null);
    String answer = agentAnswer(id);
    assertTrue(answer.contains("/kb/reconnect-exact-after-token-expiry"), "links the matched article: " + answer);
    assertTrue(answer.contains("Exact Online-koppeling verlopen of ongeldig: zo herstel je hem"),
        "names the matched article in Dutch: " + answer);
    assertEquals(404, Http.get(port, "/api/support/conversations/" + id + "?user_id=someone-else", Http.portal())
        .statusCode(), "another user cannot read it");
  }

  /** The first agent message of a conversation, or null while there is none. */
  static String agentAnswer(String id) {
    HttpResponse<String> r = Http.get(port, "/api/support/conversations/" + id + "?user_id=u-e2e", Http.portal());
    JsonArray messages = new JsonObject(r.body()).getJsonArray("messages");
    return messages.stream().map(JsonObject.class::cast).filter(m -> "agent".equals(m.getString("sender_type")))
        .map(m -> m.getString("content")).findFirst().orElse(null);
  }

  static JsonObject error(String eventId, String message) {
    return new JsonObject().put("event_id", eventId).put("user_id", "u-e2e").put("connection_id", "c-e2e")
        .put("tool", "list_invoices").put("error_type", "ExactTokenExpired").put("error_code", "EXACT_TOKEN_EXPIRED")
        .put("status_code", 401).put("message", message).put("occurred_at", "2026-11-25T10:15:30Z");
  }

  static HttpResponse<String> mcp(JsonObject body) {
    byte[] bytes = body.encode().getBytes(StandardCharsets.UTF_8);
    long ts = System.currentTimeMillis() / 1000;
    return Http.post(port, "/api/webhooks/mcp-error", bytes, "Content-Type", "application/json",
        "X-Timestamp", String.valueOf(ts), "X-Signature", "sha256=" + hmac(ts + "." + body.encode()));
  }

  static String hmac(String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(TestEngine.MCP_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
