package io.supportpilot.agent;

import static io.supportpilot.agent.AgentTestSupport.agentMessages;
import static io.supportpilot.agent.AgentTestSupport.awaitConversation;
import static io.supportpilot.agent.AgentTestSupport.create;
import static io.supportpilot.agent.AgentTestSupport.lastMessage;
import static io.supportpilot.agent.AgentTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** The customer conversation API end to end with no Anthropic key: auth, scoping, routes, the offline agent, follow-ups. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConversationApiTest {

  static String pg;
  static Engine engine;
  static int port;
  static final MovableClock CLOCK = MovableClock.followingNow();

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("ConversationApiTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_SCAN_INTERVAL", "1h"); // scans are triggered explicitly
    engine = AgentTestSupport.start(env, CLOCK);
    port = engine.port();
    AgentTestSupport.user(pg, "u-anna", "anna@example.nl", "nl", "conn-anna", -2);
    AgentTestSupport.user(pg, "u-bob", "bob@example.com", "en", "conn-bob", 40);
    TestDatabase.exec(pg, "INSERT INTO support_error_log (event_id, source, user_id, connection_id, tool, error_type, "
        + "error_code, message, fingerprint, occurred_at) VALUES ('e1', 'mcp', 'u-anna', 'conn-anna', 'get_invoices', "
        + "'AuthError', 'TOKEN_EXPIRED', 'refresh token expired', 'fp1', now() - interval '1 hour')");
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  // Verifies that without any triage service the agent says honestly that a person takes over and escalates.
  @Test
  @Order(1)
  void noTriageEscalatesHonestly() {
    JsonObject c = create(port, "u-anna", "Mijn koppeling doet het niet meer");
    JsonObject done = awaitConversation(port, c.getString("id"), "u-anna", x -> agentMessages(x) == 1);
    assertEquals("escalated", done.getString("status"));
    assertEquals("human", done.getString("handled_by"));
    assertTrue(lastMessage(done).getString("content").contains("medewerker"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE details->>"
        + "'conversation_id' = '" + c.getString("id") + "'"));
    engine.capability(AgentCapability.class).useTriage(new AgentTestSupport.ScriptedTriage());
  }

  // Verifies that the customer API refuses a missing or wrong bearer token and malformed bodies with clear errors.
  @Test
  @Order(2)
  void authAndValidation() {
    String body = new JsonObject().put("user_id", "u-anna").put("message", "hoi").encode();
    assertEquals(401, Http.post(port, "/api/support/conversations", body, "Content-Type", "application/json")
        .statusCode());
    assertEquals(401, Http.post(port, "/api/support/conversations", body, "Authorization", "Bearer nope",
        "Content-Type", "application/json").statusCode());
    assertEquals(401, Http.get(port, "/api/support/conversations/x?user_id=u-anna").statusCode());
    HttpResponse<String> r = Http.post(port, "/api/support/conversations", "{\"message\":\"hi\"}", Http.portal());
    assertEquals(400, r.statusCode());
    assertTrue(new JsonObject(r.body()).getString("detail").contains("user_id"));
    assertEquals(400, Http.post(port, "/api/support/conversations", "{nope", Http.portal()).statusCode());
    assertEquals(400, Http.post(port, "/api/support/conversations", "[1]", Http.portal()).statusCode());
    assertEquals(415, Http.post(port, "/api/support/conversations", body, "Authorization",
        "Bearer " + TestEngine.PORTAL_TOKEN, "Content-Type", "text/plain").statusCode());
    // A user first seen here is created as a placeholder instead of failing (the desk issue).
    assertEquals(201, Http.post(port, "/api/support/conversations",
        new JsonObject().put("user_id", "u-nobody").put("message", "hi").encode(), Http.portal()).statusCode());
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM users WHERE id = 'u-nobody' AND placeholder"));
    assertEquals(400, Http.get(port, "/api/support/conversations/x", Http.portal()).statusCode());
  }

  // Verifies the offline agent: the matched article in the customer's language plus their own account facts,
  // marked as offline, never as Claude.
  @Test
  @Order(3)
  void offlineAgentAnswersWithArticleAndAccountFacts() {
    JsonObject c = create(port, "u-anna", "Ik krijg steeds een foutmelding bij het ophalen van facturen");
    assertEquals("open", c.getString("status"));
    assertEquals("nl", c.getString("language"));
    JsonObject done = awaitConversation(port, c.getString("id"), "u-anna", x -> agentMessages(x) == 1);
    JsonObject m = lastMessage(done);
    String text = m.getString("content");
    assertEquals("offline_agent", m.getJsonObject("metadata").getString("responder"));
    assertEquals("no_key", m.getJsonObject("metadata").getString("offline_reason"));
    assertTrue(text.contains("Je Exact Online-token is verlopen"), text);
    assertTrue(text.contains("conn-anna") && text.contains("verlopen op"), text);
    assertTrue(text.contains("TOKEN_EXPIRED"), text);
    assertTrue(text.contains("/kb/token-verlopen"), text);
    assertFalse(text.toLowerCase().contains("claude"), text);
    assertEquals("waiting_customer", done.getString("status"));
    assertTrue(done.getString("first_response_at") != null);
  }

  // Verifies that every read and write is scoped to the conversation's own user: another user gets 404.
  @Test
  @Order(4)
  void scopedToTheOwnUser() {
    JsonObject c = create(port, "u-anna", "Vraag van Anna over haar administratie");
    String id = c.getString("id");
    assertEquals(404, Http.get(port, "/api/support/conversations/" + id + "?user_id=u-bob", Http.portal())
        .statusCode());
    assertEquals(404, Http.post(port, "/api/support/conversations/" + id + "/messages",
        new JsonObject().put("user_id", "u-bob").put("message", "let me in").encode(), Http.portal()).statusCode());
    assertEquals(404, Http.post(port, "/api/support/conversations/" + id + "/rating",
        new JsonObject().put("user_id", "u-bob").put("rating", 1).put("resolved", false).encode(), Http.portal())
        .statusCode());
    assertEquals(404, Http.get(port, "/api/support/conversations/does-not-exist?user_id=u-anna", Http.portal())
        .statusCode());
    JsonObject mine = read(port, id, "u-anna");
    assertEquals("u-anna", mine.getString("user_id"));
  }

  // Verifies that asking for a person always works, in Dutch and in English, even mid-conversation.
  @Test
  @Order(5)
  void askingForAHumanAlwaysWorks() {
    JsonObject nl = create(port, "u-anna", "Ik wil graag een medewerker spreken");
    JsonObject done = awaitConversation(port, nl.getString("id"), "u-anna", x -> agentMessages(x) == 1);
    assertEquals("escalated", done.getString("status"));
    assertEquals("human", done.getString("handled_by"));

    JsonObject en = create(port, "u-bob", "How do I connect my second administration?");
    String id = en.getString("id");
    awaitConversation(port, id, "u-bob", x -> agentMessages(x) == 1);
    HttpResponse<String> r = Http.post(port, "/api/support/conversations/" + id + "/messages",
        new JsonObject().put("user_id", "u-bob").put("message", "This doesn't help, I want to talk to a human").encode(),
        Http.portal());
    assertEquals(201, r.statusCode());
    JsonObject after = awaitConversation(port, id, "u-bob", x -> "escalated".equals(x.getString("status")));
    assertEquals("human", after.getString("handled_by"));
    assertTrue(lastMessage(after).getString("content").contains("colleague"));
  }

  // Verifies the other triage routes: vague questions get article suggestions, DevOps cases create a DevOps task,
  // unknown ones go to a person, and the customer is told which.
  @Test
  @Order(6)
  void suggestionsAndEscalations() {
    JsonObject vague = create(port, "u-bob", "vague question about something");
    JsonObject v = awaitConversation(port, vague.getString("id"), "u-bob", x -> agentMessages(x) == 1);
    assertEquals("suggest_articles", lastMessage(v).getJsonObject("metadata").getString("responder"));
    assertTrue(lastMessage(v).getString("content").contains("/kb/token-verlopen"));

    JsonObject dev = create(port, "u-bob", "devops: the server returns 500 for every call");
    JsonObject d = awaitConversation(port, dev.getString("id"), "u-bob", x -> agentMessages(x) == 1);
    assertEquals("escalated", d.getString("status"));
    assertEquals("devops", d.getString("handled_by"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE conversation_id = '"
        + dev.getString("id") + "' AND type = 'support_escalation'"));

    JsonObject mystery = create(port, "u-bob", "mystery question");
    JsonObject m = awaitConversation(port, mystery.getString("id"), "u-bob", x -> agentMessages(x) == 1);
    assertEquals("escalated", m.getString("status"));
    assertEquals("human", m.getString("handled_by"));
  }

  // Verifies rating: 1-5 only, resolved closes the conversation, not resolved hands it to a person.
  @Test
  @Order(7)
  void rating() {
    JsonObject c = create(port, "u-bob", "Where do I find my API usage?");
    String id = c.getString("id");
    String path = "/api/support/conversations/" + id + "/rating";
    assertEquals(400, Http.post(port, path, new JsonObject().put("user_id", "u-bob").put("rating", 6)
        .put("resolved", true).encode(), Http.portal()).statusCode());
    assertEquals(400, Http.post(port, path, new JsonObject().put("user_id", "u-bob").put("rating", 0)
        .put("resolved", true).encode(), Http.portal()).statusCode());
    assertEquals(400, Http.post(port, path, new JsonObject().put("user_id", "u-bob").put("rating", 4).encode(),
        Http.portal()).statusCode());
    HttpResponse<String> ok = Http.post(port, path, new JsonObject().put("user_id", "u-bob").put("rating", 5)
        .put("resolved", true).encode(), Http.portal());
    assertEquals(200, ok.statusCode(), ok.body());
    JsonObject rated = new JsonObject(ok.body());
    assertEquals("resolved", rated.getString("status"));
    assertEquals(5, rated.getInteger("satisfaction_rating"));
    assertTrue(rated.getBoolean("resolved_by_customer"));
  }

  // Verifies the 24-hour follow-up with a clock that moves: the question is asked once, "nee" reopens and
  // escalates, "yes" resolves.
  @Test
  @Order(8)
  void followUpAfterADay() throws Exception {
    JsonObject a = create(port, "u-anna", "Hoe koppel ik mijn administratie opnieuw?");
    JsonObject b = create(port, "u-bob", "How do I reconnect my administration?");
    awaitConversation(port, a.getString("id"), "u-anna", x -> agentMessages(x) == 1);
    awaitConversation(port, b.getString("id"), "u-bob", x -> agentMessages(x) == 1);
    scan();
    assertEquals(1, agentMessages(read(port, a.getString("id"), "u-anna")), "no follow-up before 24 hours");

    CLOCK.advance(Duration.ofHours(25));
    scan();
    scan();
    JsonObject fa = read(port, a.getString("id"), "u-anna");
    assertEquals(2, agentMessages(fa), "exactly one follow-up");
    assertTrue(lastMessage(fa).getString("content").startsWith("Is je probleem opgelost?"));
    assertNotEquals(null, fa.getString("follow_up_sent_at"));
    JsonObject fb = read(port, b.getString("id"), "u-bob");
    assertTrue(lastMessage(fb).getString("content").startsWith("Is your problem solved?"));

    Http.post(port, "/api/support/conversations/" + a.getString("id") + "/messages",
        new JsonObject().put("user_id", "u-anna").put("message", "Nee, het werkt nog steeds niet").encode(),
        Http.portal());
    JsonObject ra = awaitConversation(port, a.getString("id"), "u-anna",
        x -> "escalated".equals(x.getString("status")));
    assertEquals("human", ra.getString("handled_by"));

    Http.post(port, "/api/support/conversations/" + b.getString("id") + "/messages",
        new JsonObject().put("user_id", "u-bob").put("message", "Yes, it works now, thanks!").encode(), Http.portal());
    JsonObject rb = awaitConversation(port, b.getString("id"), "u-bob",
        x -> "resolved".equals(x.getString("status")));
    assertTrue(lastMessage(rb).getString("content").startsWith("Glad"));
  }

  // Verifies the retry queue: a conversation nobody answered (the event was lost, or the engine restarted) and an
  // auto-ticket whose event never arrived are picked up by the scan and answered exactly once.
  @Test
  @Order(9)
  void unansweredConversationsAreRetried() throws Exception {
    TestDatabase.exec(pg, "INSERT INTO support_conversations (id, user_id, subject, status, language, created_at, "
        + "updated_at) VALUES ('lost-1', 'u-bob', 'Lost question', 'open', 'en', now(), now())",
        "INSERT INTO support_messages (conversation_id, sender_type, content) VALUES ('lost-1', 'customer', "
            + "'My sync stopped, what now?')",
        "INSERT INTO support_conversations (id, user_id, subject, status, language, auto_created, fingerprint, "
            + "error_type, occurrence_count, created_at, updated_at) VALUES ('lost-2', 'u-anna', 'AuthError: token "
            + "expired', 'open', 'nl', true, 'fp-lost', 'AuthError', 3, now(), now())");
    scan(); // the movable clock is a day ahead: both are overdue
    JsonObject a = awaitConversation(port, "lost-1", "u-bob", x -> agentMessages(x) == 1);
    assertEquals("offline_agent", lastMessage(a).getJsonObject("metadata").getString("responder"));
    JsonObject b = awaitConversation(port, "lost-2", "u-anna", x -> agentMessages(x) == 1);
    assertTrue(lastMessage(b).getString("content").contains("conn-anna"));
    // A second scan must not answer them again: whatever it offered has run once the agent is idle.
    TestEngine.awaitAgentIdle(engine);
    assertEquals(1, agentMessages(read(port, "lost-1", "u-bob")));
    assertEquals(1, agentMessages(read(port, "lost-2", "u-anna")));
  }

  private static void scan() throws Exception {
    engine.vertx().eventBus().request(Addresses.AGENT_SCAN_NOW, "now").await(10, TimeUnit.SECONDS);
  }
}
