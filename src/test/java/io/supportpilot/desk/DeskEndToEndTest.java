package io.supportpilot.desk;

import static io.supportpilot.desk.DeskFixture.bearer;
import static io.supportpilot.desk.DeskFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.agent.AgentCapability;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.Secrets;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

/**
 * The desk end to end: a question triage escalates appears in the queue, a named agent replies, the customer reads
 * the reply through the customer API, the agent resolves with an article, and the automation metrics move.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeskEndToEndTest {

  static String pg;
  static Engine engine;
  static int port;
  static final MovableClock CLOCK = MovableClock.followingNow();

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("DeskEndToEndTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_SCAN_INTERVAL", "1h");
    env.put("DESK_REPLY_MAIL_SCAN", "1h"); // scans are triggered explicitly
    engine = Engine.start(ConfigLoader.load(env), Secrets.from(env), CLOCK);
    port = engine.port();
    engine.capability(AgentCapability.class).useTriage(new DeskFixture.EscalatingTriage());
    TestDatabase.exec(pg, "INSERT INTO knowledge_articles (slug, category, title_nl, title_en, content_nl, content_en) "
        + "VALUES ('reconnect-exact', 'auth', 'Opnieuw verbinden', 'Reconnect', 'x', 'y')");
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  // Verifies the whole human path and that the metrics count the human resolution, the escalation route, the
  // admin's handling time and the automated resolution of another conversation.
  @Test
  @Order(1)
  void escalatedQuestionIsAnsweredAndResolvedByANamedAgent() {
    String alice = DeskFixture.token(port, "alice", "agent");
    JsonObject before = json(Http.get(port, "/api/admin/support/automation/metrics", bearer(alice)), 200);
    assertEquals(0, before.getLong("human_resolved_24h"));

    JsonObject user = json(Http.method(port, "PUT", "/api/support/users/u-eve", new JsonObject()
        .put("email", "eve@example.com").put("name", "Eve").put("plan", "pro").put("language", "en").encode(),
        Http.portal()), 201);
    assertEquals("eve@example.com", user.getString("email"));
    JsonObject created = json(Http.post(port, "/api/support/conversations", new JsonObject().put("user_id", "u-eve")
        .put("message", "A mystery: my invoices vanish").encode(), Http.portal()), 201);
    String id = created.getString("id");

    JsonObject page = awaitQueue("status=escalated&handled_by=human", id);
    JsonObject listed = find(page.getJsonArray("items"), id);
    assertEquals("u-eve", listed.getString("user_id"));

    JsonObject detail = json(Http.get(port, "/api/admin/conversations/" + id, bearer(alice)), 200);
    assertEquals("escalate", detail.getJsonObject("triage").getString("action"));
    assertTrue(detail.getJsonObject("triage").getString("reason").contains("close enough"));
    assertEquals("eve@example.com", detail.getJsonObject("customer").getString("email"));
    long version = detail.getJsonObject("conversation").getLong("version");

    json(Http.post(port, "/api/admin/conversations/" + id + "/notes", new JsonObject()
        .put("content", "internal: check the sync log").encode(), bearer(alice)), 201);
    JsonObject reply = json(Http.post(port, "/api/admin/conversations/" + id + "/replies", new JsonObject()
        .put("content", "Hi Eve, please reconnect in the portal.").put("version", version).encode(),
        bearer(alice)), 201);
    assertEquals("alice", reply.getJsonObject("message").getString("author"));
    // A second person replying from the same stale view is refused, not lost.
    JsonObject stale = json(Http.post(port, "/api/admin/conversations/" + id + "/replies", new JsonObject()
        .put("content", "Me too").put("version", version).encode(), Http.admin()), 409);
    assertEquals("conflict", stale.getString("error"));

    JsonObject seen = json(Http.get(port, "/api/support/conversations/" + id + "?user_id=u-eve", Http.portal()), 200);
    JsonArray ms = seen.getJsonArray("messages");
    JsonObject last = ms.getJsonObject(ms.size() - 1);
    assertEquals("admin", last.getString("sender_type"));
    assertEquals("Hi Eve, please reconnect in the portal.", last.getString("content"));
    assertFalse(seen.encode().contains("check the sync log"), "internal notes never reach the customer");
    assertEquals("waiting_customer", seen.getString("status"));

    // Read in time: no e-mail for this reply.
    CLOCK.advance(Duration.ofMinutes(16));
    runMailer();
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM desk_reply_mail WHERE conversation_id = '" + id
        + "' AND status = 'read'"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM email_outbox WHERE kind = 'desk_reply'"));

    long v2 = reply.getLong("version");
    JsonObject resolved = json(Http.post(port, "/api/admin/conversations/" + id + "/resolve", new JsonObject()
        .put("version", v2).put("resolution_summary", "Reconnected the Exact Online connection")
        .put("article_slug", "reconnect-exact").encode(), bearer(alice)), 200);
    assertEquals("resolved", resolved.getString("status"));
    assertEquals("reconnect-exact", resolved.getString("resolved_article_slug"));
    assertEquals(4, TestDatabase.queryLong(pg, "SELECT count(*) FROM desk_audit WHERE conversation_id = '" + id
        + "' AND actor = 'alice' AND action IN ('view', 'note', 'reply', 'resolve')"));

    // Another customer's question is answered by automation and confirmed solved by the customer.
    String other = json(Http.post(port, "/api/support/conversations", new JsonObject().put("user_id", "u-fay")
        .put("message", "How do I reconnect?").encode(), Http.portal()), 201).getString("id");
    awaitStatus(other, "u-fay", "waiting_customer");
    json(Http.post(port, "/api/support/conversations/" + other + "/rating", new JsonObject().put("user_id", "u-fay")
        .put("rating", 5).put("resolved", true).encode(), Http.portal()), 200);

    JsonObject after = json(Http.get(port, "/api/admin/support/automation/metrics", bearer(alice)), 200);
    assertEquals(1, after.getLong("human_resolved_24h"));
    assertEquals(1, after.getLong("auto_resolved_24h"));
    assertEquals(0.5, after.getDouble("auto_resolution_rate"));
    assertEquals(0, after.getLong("pending_24h"));
    JsonObject adminTime = metric(after, "admin_time_per_ticket");
    assertEquals(1, adminTime.getLong("samples"));
    assertTrue(adminTime.getDouble("current") > 0, "the admin's actions spanned time");
    assertEquals(5.0, metric(after, "customer_satisfaction").getDouble("current"));
    assertEquals(2, metric(after, "avg_first_response_time").getLong("samples"));
    assertFalse(after.getJsonArray("not_yet_measured").contains("devops_agent.prs_created"));

    JsonObject series = json(Http.get(port, "/api/admin/support/automation/timeseries?hours=2", bearer(alice)), 200);
    long escalations = 0;
    long suggestions = 0;
    for (Object o : series.getJsonArray("conversations_by_route")) {
      escalations += ((JsonObject) o).getLong("escalate");
      suggestions += ((JsonObject) o).getLong("suggest_articles");
    }
    assertEquals(1, escalations);
    assertEquals(1, suggestions);
    assertEquals(120, series.getJsonArray("errors_per_minute").size());
  }

  // Verifies that a reply the customer has not read in time goes to the e-mail outbox, addressed to the customer.
  @Test
  @Order(2)
  void unreadReplyIsMailed() {
    json(Http.method(port, "PUT", "/api/support/users/u-gus", new JsonObject().put("email", "gus@example.com")
        .encode(), Http.portal()), 201);
    String id = json(Http.post(port, "/api/support/conversations", new JsonObject().put("user_id", "u-gus")
        .put("message", "Another mystery").encode(), Http.portal()), 201).getString("id");
    awaitStatus(id, "u-gus", "escalated");
    long version = json(Http.get(port, "/api/admin/conversations/" + id, Http.admin()), 200)
        .getJsonObject("conversation").getLong("version");
    json(Http.post(port, "/api/admin/conversations/" + id + "/replies", new JsonObject().put("content", "Fixed it")
        .put("version", version).encode(), Http.admin()), 201);
    runMailer();
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM email_outbox WHERE conversation_id = '" + id
        + "'"), "not due yet");
    CLOCK.advance(Duration.ofMinutes(16));
    runMailer();
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM email_outbox WHERE kind = 'desk_reply' AND "
        + "conversation_id = '" + id + "' AND recipient = 'gus@example.com' AND body = 'Fixed it'"));
  }

  private void runMailer() {
    try {
      engine.vertx().eventBus().request(ReplyMailer.RUN_NOW, "").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject metric(JsonObject metrics, String name) {
    for (Object o : metrics.getJsonArray("success_metrics")) {
      if (name.equals(((JsonObject) o).getString("metric"))) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no success metric " + name);
  }

  private JsonObject awaitQueue(String filter, String id) {
    return Await.value("conversation " + id + " in the queue with " + filter, Duration.ofSeconds(20),
        () -> json(Http.get(port, "/api/admin/conversations?" + filter, Http.admin()), 200),
        page -> find(page.getJsonArray("items"), id) != null);
  }

  private void awaitStatus(String id, String user, String status) {
    Await.value("conversation " + id + " to reach " + status, Duration.ofSeconds(20),
        () -> json(Http.get(port, "/api/support/conversations/" + id + "?user_id=" + user, Http.portal()), 200),
        c -> status.equals(c.getString("status")));
  }

  private static JsonObject find(JsonArray items, String id) {
    for (Object o : items) {
      if (id.equals(((JsonObject) o).getString("id"))) {
        return (JsonObject) o;
      }
    }
    return null;
  }
}
