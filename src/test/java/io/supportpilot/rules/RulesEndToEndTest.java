package io.supportpilot.rules;

import static io.supportpilot.rules.RulesFixture.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import com.sun.net.httpserver.HttpServer;
import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Automation rules through the engine: the admin API (CRUD, validation, roles, dry runs), both default rules end to
 * end (a 5xx error becomes a high-priority bug ticket the agent answers; a conversation left 4 hours by a moved clock
 * is escalated and mailed through GreenMail), signed and retried webhooks with the SSRF refusal, and one firing per
 * trigger object under a burst and a redelivery.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@ExtendWith(VertxExtension.class)
class RulesEndToEndTest {

  static Engine engine;
  static String url;
  static int port;
  static GreenMail smtp;
  static HttpServer receiver;
  static final List<Map.Entry<Map<String, String>, String>> received = new CopyOnWriteArrayList<>();
  static final AtomicInteger failuresLeft = new AtomicInteger();
  static final MovableClock clock = MovableClock.followingNow();

  @BeforeAll
  static void start() throws Exception {
    smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    smtp.start();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      received.add(Map.entry(Map.of("ts", String.valueOf(ex.getRequestHeaders().getFirst("X-Timestamp")),
          "sig", String.valueOf(ex.getRequestHeaders().getFirst("X-Signature")),
          "delivery", String.valueOf(ex.getRequestHeaders().getFirst("X-Delivery-Id"))), body));
      int status = failuresLeft.getAndDecrement() > 0 ? 503 : 200;
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    receiver.start();
    url = TestDatabase.freshDatabase("RulesEndToEndTest");
    Map<String, String> env = TestEngine.env(url);
    env.put("SMTP_HOST", "127.0.0.1");
    env.put("SMTP_PORT", String.valueOf(smtp.getSmtp().getPort()));
    env.put("SMTP_STARTTLS", "disabled");
    env.put("RULES_ALERT_EMAIL", "desk@supportpilot.test");
    env.put("RULES_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1");
    env.put("RULES_WEBHOOK_RETRY_BASE", "20ms");
    env.put("RULES_TICKET_WAIT", "50ms");
    env.put("RULES_SCHEDULE_INTERVAL", "1h");
    env.put("RULES_COUNTER_FLUSH_INTERVAL", "100ms");
    env.put("RULES_RUN_EVENTS_FLUSH_INTERVAL", "100ms");
    engine = RulesFixture.start(env, clock);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.stop();
    }
    receiver.stop(0);
    smtp.stop();
  }

  static HttpResponse<String> send(JsonObject error) {
    return RulesFixture.mcp(port, "/api/webhooks/mcp-error", error.encode(), "application/json");
  }

  static JsonObject error(String id, String type, int status, String user) {
    JsonObject o = new JsonObject().put("event_id", id).put("tool", "get_invoices").put("error_type", type)
        .put("error_code", "E_" + status).put("status_code", status).put("message", type + " in division 4411")
        .put("occurred_at", Instant.now().toString());
    if (user != null) {
      o.put("user_id", user).put("connection_id", "conn-" + user);
    }
    return o;
  }

  static JsonObject create(JsonObject rule) {
    HttpResponse<String> r = admin(port, "POST", "/api/admin/rules", rule.encode());
    assertEquals(201, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  static JsonObject rule(String name, String type, String condition, JsonArray actions) {
    return new JsonObject().put("name", name).put("trigger_type", type)
        .put("trigger_condition", new JsonObject(condition)).put("actions", actions);
  }

  static JsonArray actions(String type, JsonObject config) {
    return new JsonArray().add(new JsonObject().put("type", type).put("config", config));
  }

  static long count(String sql) {
    return TestDatabase.queryLong(url, sql);
  }

  @Test
  void theDefaultRulesAreSeededAndEditable() {
    // Verifies that the plan's two default rules exist after the first start and can be changed and toggled.
    JsonArray items = new JsonObject(admin(port, "GET", "/api/admin/rules", null).body()).getJsonArray("items");
    JsonObject five = find(items, "default-error-5xx");
    JsonObject four = find(items, "default-escalate-4h");
    assertEquals("error", five.getString("trigger_type"));
    assertEquals(500, five.getJsonObject("trigger_condition").getJsonObject("status_code").getInteger("$gte"));
    assertEquals("create_ticket", five.getJsonArray("actions").getJsonObject(0).getString("type"));
    assertEquals("bug", five.getJsonArray("actions").getJsonObject(0).getJsonObject("config").getString("category"));
    assertEquals("trigger_agent", five.getJsonArray("actions").getJsonObject(1).getString("type"));
    assertEquals("schedule", four.getString("trigger_type"));
    assertEquals("now-4h", four.getJsonObject("trigger_condition").getJsonObject("updated_at").getString("$lt"));
    assertEquals("escalation_alert", four.getJsonArray("actions").getJsonObject(1).getJsonObject("config")
        .getString("template"));
    assertEquals("system", four.getString("created_by"));

    JsonObject edited = four.copy();
    edited.put("name", "Escalate after 4 hours without response (edited)");
    HttpResponse<String> put = admin(port, "PUT", "/api/admin/rules/default-escalate-4h", edited.encode());
    assertEquals(200, put.statusCode(), put.body());
    assertEquals("Escalate after 4 hours without response (edited)", new JsonObject(put.body()).getString("name"));
    assertEquals(false, new JsonObject(admin(port, "POST", "/api/admin/rules/default-escalate-4h/disable", null)
        .body()).getBoolean("enabled"));
    assertEquals(true, new JsonObject(admin(port, "POST", "/api/admin/rules/default-escalate-4h/enable", null)
        .body()).getBoolean("enabled"));
  }

  @Test
  void theApiValidatesChecksRolesAndManagesRules() {
    // Verifies CRUD, the 400 naming the path of a fault, and that a viewer token may read but not change rules.
    HttpResponse<String> bad = admin(port, "POST", "/api/admin/rules", rule("bad", "error",
        "{\"status_code\": {\"$gte\": \"500\"}}", actions("trigger_agent", new JsonObject())).encode());
    assertEquals(400, bad.statusCode());
    assertEquals("invalid_rule", new JsonObject(bad.body()).getString("error"));
    assertTrue(new JsonObject(bad.body()).getString("detail").startsWith("trigger_condition.status_code.$gte: "),
        bad.body());
    HttpResponse<String> unknown = admin(port, "POST", "/api/admin/rules", rule("bad", "schedule",
        "{\"statuss\": \"open\"}", actions("escalate", new JsonObject())).encode());
    assertEquals(400, unknown.statusCode());
    assertTrue(unknown.body().contains("trigger_condition.statuss: unknown field"), unknown.body());
    HttpResponse<String> regex = admin(port, "POST", "/api/admin/rules", rule("bad", "error",
        "{\"message\": {\"$regex\": \"(a|ab)*c\"}}", actions("trigger_agent", new JsonObject())).encode());
    assertEquals(400, regex.statusCode());
    assertTrue(regex.body().contains("trigger_condition.message.$regex"), regex.body());

    JsonObject created = create(rule("Rate limits to DevOps", "error", "{\"status_code\": 429}",
        actions("escalate", new JsonObject().put("to", "devops"))));
    String id = created.getString("id");
    assertEquals("owner", created.getString("created_by"));
    assertEquals(0, created.getLong("trigger_count"));
    assertNull(created.getString("webhook_secret"), "no webhook, no secret");
    assertEquals(200, admin(port, "GET", "/api/admin/rules/" + id, null).statusCode());
    JsonObject replaced = rule("Rate limits to DevOps", "error", "{\"status_code\": {\"$in\": [429, 503]}}",
        actions("escalate", new JsonObject().put("to", "devops"))).put("enabled", false);
    HttpResponse<String> put = admin(port, "PUT", "/api/admin/rules/" + id, replaced.encode());
    assertEquals(200, put.statusCode(), put.body());
    assertEquals(false, new JsonObject(put.body()).getBoolean("enabled"));
    // A PUT without "enabled" keeps the rule's state (it does not switch a disabled rule back on) ...
    replaced.remove("enabled");
    HttpResponse<String> keep = admin(port, "PUT", "/api/admin/rules/" + id, replaced.encode());
    assertEquals(200, keep.statusCode(), keep.body());
    assertEquals(false, new JsonObject(keep.body()).getBoolean("enabled"));
    assertEquals(false, new JsonObject(admin(port, "GET", "/api/admin/rules/" + id, null).body())
        .getBoolean("enabled"));
    assertEquals(200, admin(port, "POST", "/api/admin/rules/" + id + "/enable", null).statusCode());
    HttpResponse<String> keepOn = admin(port, "PUT", "/api/admin/rules/" + id, replaced.encode());
    assertEquals(true, new JsonObject(keepOn.body()).getBoolean("enabled"), "... nor a enabled one off");
    HttpResponse<String> off = admin(port, "PUT", "/api/admin/rules/" + id, replaced.copy().put("enabled", false)
        .encode());
    assertEquals(false, new JsonObject(off.body()).getBoolean("enabled"), "an explicit value still applies");

    HttpResponse<String> token = admin(port, "POST", "/api/admin/tokens",
        new JsonObject().put("name", "vera").put("role", "viewer").encode());
    assertEquals(201, token.statusCode(), token.body());
    String viewer = new JsonObject(token.body()).getString("token");
    String[] headers = {"Authorization", "Bearer " + viewer, "Content-Type", "application/json"};
    assertEquals(200, Http.get(port, "/api/admin/rules", headers).statusCode());
    assertEquals(403, Http.method(port, "DELETE", "/api/admin/rules/" + id, null, headers).statusCode());
    assertEquals(403, Http.post(port, "/api/admin/rules", replaced.encode(), headers).statusCode());
    assertEquals(401, Http.get(port, "/api/admin/rules").statusCode());
    // A webhook URL's path and query may hold the receiver's secret: a viewer sees its origin only, an admin all.
    JsonObject hooked = create(rule("Hook with a secret URL", "error", "{\"error_type\": \"SecretHookError\"}",
        actions("webhook", new JsonObject().put("url", "https://hooks.example.com/T0/B1/s3cr3t?token=abc"))));
    String seen = Http.get(port, "/api/admin/rules/" + hooked.getString("id"), headers).body();
    assertFalse(seen.contains("s3cr3t") || seen.contains("abc"), seen);
    assertTrue(seen.contains("https://hooks.example.com/***"), seen);
    assertFalse(Http.get(port, "/api/admin/rules", headers).body().contains("s3cr3t"));
    assertTrue(admin(port, "GET", "/api/admin/rules/" + hooked.getString("id"), null).body().contains("s3cr3t"));
    assertEquals(204, admin(port, "DELETE", "/api/admin/rules/" + hooked.getString("id"), null).statusCode());

    assertEquals(204, admin(port, "DELETE", "/api/admin/rules/" + id, null).statusCode());
    assertEquals(404, admin(port, "GET", "/api/admin/rules/" + id, null).statusCode());
    assertEquals(404, admin(port, "DELETE", "/api/admin/rules/" + id, null).statusCode());
  }

  @Test
  void aDryRunSaysWhatWouldHaveFiredWithoutFiring() {
    // Verifies dry runs of an unsaved rule over the last N errors and of a saved rule over conversations.
    for (int i = 0; i < 3; i++) {
      assertEquals(202, send(error("dry-" + i, "DryRunError", 404, null)).statusCode());
    }
    Await.until("stored", () -> count("SELECT count(*) FROM support_error_log WHERE error_type = 'DryRunError'") == 3);
    JsonObject unsaved = rule("dry", "error", "{\"error_type\": \"DryRunError\", \"status_code\": {\"$lt\": 500}}",
        actions("trigger_agent", new JsonObject()));
    HttpResponse<String> r = admin(port, "POST", "/api/admin/rules/dry-run",
        new JsonObject().put("rule", unsaved).put("limit", 1000).encode());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject result = new JsonObject(r.body());
    assertEquals(3, result.getInteger("matched"));
    assertTrue(result.getInteger("evaluated") >= 3);
    JsonObject first = result.getJsonArray("would_fire").getJsonObject(0);
    assertTrue(first.getString("trigger_key").startsWith("error:mcp:dry-"));
    assertEquals("DryRunError", first.getJsonObject("object").getString("error_type"));
    assertEquals("trigger_agent", first.getJsonArray("actions").getJsonObject(0).getString("type"));
    assertEquals(0, count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'error_type' = 'DryRunError'"),
        "a dry run fires nothing");
    HttpResponse<String> saved = admin(port, "POST", "/api/admin/rules/default-escalate-4h/dry-run", "{\"limit\": 10}");
    assertEquals(200, saved.statusCode(), saved.body());
    assertEquals("conversations", new JsonObject(saved.body()).getString("evaluated_over"));
    HttpResponse<String> invalid = admin(port, "POST", "/api/admin/rules/dry-run", new JsonObject().put("rule",
        rule("dry", "error", "{\"nope\": 1}", actions("trigger_agent", new JsonObject()))).encode());
    assertEquals(400, invalid.statusCode());
    assertEquals(400, admin(port, "POST", "/api/admin/rules/dry-run", "{\"rule_id\": \"default-error-5xx\", "
        + "\"limit\": 0}").statusCode());
  }

  @Test
  void a5xxErrorYieldsAHighPriorityBugTicketAndAnAgentAnswer() {
    // Verifies the first default rule end to end: the pipeline's ticket for the error gets priority high and
    // category bug (one ticket, not two), the support agent answers it, and the firing is recorded.
    TestDatabase.exec(url, "INSERT INTO users(id, email, name, language) VALUES ('u-5xx', 'piet@example.nl', 'Piet', "
        + "'nl') ON CONFLICT DO NOTHING");
    assertEquals(202, send(error("five-1", "ExactGatewayError", 502, "u-5xx")).statusCode());
    Await.until("a high priority bug ticket",
        () -> count("SELECT count(*) FROM support_conversations WHERE user_id = 'u-5xx' AND auto_created "
        + "AND priority = 'high' AND category = 'bug'") == 1);
    Await.until("an agent answer",
        () -> count("SELECT count(*) FROM support_messages m JOIN support_conversations c ON c.id = "
        + "m.conversation_id WHERE c.user_id = 'u-5xx' AND m.sender_type = 'agent'") >= 1);
    RulesFixture.flush(engine);
    Await.until("the firing is recorded",
        () -> count("SELECT count(*) FROM rule_runs WHERE rule_id = 'default-error-5xx' "
        + "AND trigger_object->>'event_id' = 'five-1' AND trigger_key LIKE 'errors:u-5xx:%' "
        + "AND outcome = 'succeeded' AND events = 1") == 1);
    String actions = RulesFixture.queryString(url, "SELECT actions_taken::text FROM rule_runs "
        + "WHERE trigger_object->>'event_id' = 'five-1'");
    JsonArray taken = new JsonArray(actions);
    assertEquals("create_ticket", taken.getJsonObject(0).getString("type"));
    assertEquals("done", taken.getJsonObject(0).getString("status"));
    assertEquals("trigger_agent", taken.getJsonObject(1).getString("type"));
    assertEquals("done", taken.getJsonObject(1).getString("status"));
    assertEquals(1, count("SELECT count(*) FROM support_conversations WHERE user_id = 'u-5xx'"), "no second ticket");

    // A 4xx error of the same customer does not fire the rule.
    assertEquals(202, send(error("four-1", "ExactValidationError", 400, "u-5xx")).statusCode());
    Await.until("its ticket", () -> count("SELECT count(*) FROM support_conversations WHERE user_id = 'u-5xx'") == 2);
    RulesFixture.flush(engine);
    assertEquals(0, count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'event_id' = 'four-1'"));
    assertEquals(0, count("SELECT count(*) FROM support_conversations WHERE user_id = 'u-5xx' "
        + "AND error_type = 'ExactValidationError' AND category = 'bug'"));
    Await.until("trigger_count counts the firing",
        () -> new JsonObject(admin(port, "GET", "/api/admin/rules/default-error-5xx", null).body())
        .getLong("trigger_count") >= 1);
  }

  @Test
  void aConversationLeftFourHoursIsEscalatedAndTheAlertIsMailed() throws Exception {
    // Verifies the second default rule: waiting_support untouched for 4 h (clock moved) -> escalated to a person,
    // an admin notification, and the escalation_alert e-mail in GreenMail's inbox; it fires once.
    TestDatabase.exec(url, "INSERT INTO users(id, email, name, language) VALUES ('u-wait', 'jan@example.nl', 'Jan', "
        + "'nl') ON CONFLICT DO NOTHING",
        "INSERT INTO support_conversations (id, user_id, subject, status, handled_by, updated_at) VALUES "
            + "('conv-wait', 'u-wait', 'Facturen worden niet gesynchroniseerd', 'waiting_support', 'human', now())");
    int before = smtp.getReceivedMessages().length;
    RulesFixture.schedulePass(engine);
    assertEquals("waiting_support", RulesFixture.queryString(url,
        "SELECT status FROM support_conversations WHERE id = 'conv-wait'"), "not yet: only just updated");
    try {
      clock.setOffset(Duration.ofHours(4).plusMinutes(1));
      assertTrue(RulesFixture.schedulePass(engine) >= 1);
      Await.until("escalated", () -> "escalated".equals(RulesFixture.queryString(url,
          "SELECT status FROM support_conversations WHERE id = 'conv-wait'")));
      assertTrue(smtp.waitForIncomingEmail(10_000, before + 1), "the escalation alert arrives");
      MimeMessage mail = smtp.getReceivedMessages()[before];
      assertEquals("desk@supportpilot.test", mail.getAllRecipients()[0].toString());
      assertTrue(mail.getSubject().startsWith("[supportpilot] Escalated: Facturen worden niet gesynchroniseerd"),
          mail.getSubject());
      assertTrue(String.valueOf(mail.getContent()).contains("conv-wait"));
      assertEquals(1, count("SELECT count(*) FROM admin_notifications WHERE kind = 'escalation' "
          + "AND details->>'conversation_id' = 'conv-wait'"));
      assertEquals(1, count("SELECT count(*) FROM email_outbox WHERE kind = 'escalation_alert' "
          + "AND conversation_id = 'conv-wait' AND status = 'sent'"));
      RulesFixture.flush(engine);
      Await.until("recorded as succeeded",
          () -> count("SELECT count(*) FROM rule_runs WHERE rule_id = 'default-escalate-4h' "
          + "AND trigger_object->>'id' = 'conv-wait' AND outcome = 'succeeded'") == 1);
      RulesFixture.schedulePass(engine);
      RulesFixture.flush(engine);
      assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'id' = 'conv-wait'"),
          "an escalated conversation does not fire again");
    } finally {
      clock.setOffset(Duration.ZERO);
    }
  }

  @Test
  void webhooksAreSignedRetriedAndPrivateTargetsRefused() throws Exception {
    // Verifies the webhook action: HMAC-SHA256 over "<ts>.<body>" with the rule's secret, retries after 503s,
    // literal private targets refused on save, and a name resolving to loopback refused when sending.
    String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    JsonObject created = create(rule("Hook", "error", "{\"error_type\": \"HookError\"}",
        actions("webhook", new JsonObject().put("url", hook))));
    String secret = created.getString("webhook_secret");
    assertNotNull(secret, "the secret is shown once");
    assertNull(new JsonObject(admin(port, "GET", "/api/admin/rules/" + created.getString("id"), null).body())
        .getString("webhook_secret"), "and never again");
    received.clear();
    failuresLeft.set(2);
    assertEquals(202, send(error("hook-1", "HookError", 418, null)).statusCode());
    Await.until("two failures and a success", () -> received.size() == 3);
    for (Map.Entry<Map<String, String>, String> req : received) {
      String ts = req.getKey().get("ts");
      assertEquals("sha256=" + RulesFixture.hmac(secret, ts + ".", req.getValue().getBytes(StandardCharsets.UTF_8)),
          req.getKey().get("sig"));
      assertTrue(Math.abs(Long.parseLong(ts) - System.currentTimeMillis() / 1000) < 300);
    }
    JsonObject body = new JsonObject(received.get(2).getValue());
    assertTrue(body.getString("trigger_key").startsWith("errors::"), body.getString("trigger_key"));
    assertEquals("hook-1", body.getJsonObject("object").getString("event_id"));
    assertEquals("HookError", body.getJsonObject("object").getString("error_type"));
    assertEquals(created.getString("id"), body.getJsonObject("rule").getString("id"));
    RulesFixture.flush(engine);
    Await.until("recorded with three attempts",
        () -> count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'event_id' = 'hook-1' AND outcome = "
        + "'succeeded' AND (actions_taken->0->>'attempts')::int = 3") == 1);

    HttpResponse<String> literal = admin(port, "POST", "/api/admin/rules", rule("Hook", "error", "{}",
        actions("webhook", new JsonObject().put("url", "http://10.0.0.5/hook"))).encode());
    assertEquals(400, literal.statusCode());
    assertTrue(literal.body().contains("actions[0].config.url"), literal.body());

    // Every other spelling of a private address is refused on save too, naming the field.
    for (String target : List.of("http://localhost/hook", "http://LOCALHOST./hook", "http://api.localhost/hook",
        "http://2130706433/hook", "http://0x7f.1/hook", "http://017700000001/hook", "http://0177.0.0.1/hook",
        "http://127.1/hook", "http://0/hook", "http://[::1]/hook", "http://[fe80::1]/hook", "http://[fd12:3456::1]/hook",
        "http://[::ffff:127.0.0.1]/hook", "http://[::ffff:a9fe:a9fe]/hook", "http://[::127.0.0.1]/hook",
        "http://[64:ff9b::a00:1]/hook", "http://[2002:c0a8:101::1]/hook", "http://[::]/hook",
        "http://0xa9fea9fe/hook", "http://10.1/hook")) {
      HttpResponse<String> refused = admin(port, "POST", "/api/admin/rules", rule("Hook", "error", "{}",
          actions("webhook", new JsonObject().put("url", target))).encode());
      assertEquals(400, refused.statusCode(), target + " " + refused.body());
      assertTrue(refused.body().contains("actions[0].config.url"), refused.body());
    }

    // A name resolving to loopback is refused when sending (a rule saved before the save check, inserted here).
    TestDatabase.exec(url, "INSERT INTO automation_rules (id, name, trigger_type, trigger_condition, actions, enabled, "
        + "created_by, webhook_secret) VALUES ('hook-by-name', 'Hook by name', 'error', "
        + "'{\"error_type\": \"NamedHookError\"}', '[{\"type\": \"webhook\", \"config\": {\"url\": "
        + "\"http://localhost:" + receiver.getAddress().getPort() + "/hook\"}}]', TRUE, 'test', 'abc123')");
    create(rule("Reload", "error", "{\"error_type\": \"NoSuchError\"}", actions("trigger_agent", new JsonObject())));
    received.clear();
    assertEquals(202, send(error("hook-2", "NamedHookError", 418, null)).statusCode());
    RulesFixture.flush(engine);
    Await.until("refused: localhost is loopback",
        () -> count("SELECT count(*) FROM rule_runs WHERE trigger_object->>'event_id' = 'hook-2' AND outcome = "
        + "'failed' AND actions_taken->0->>'detail' LIKE 'refused%'") == 1);
    assertEquals(0, received.size(), "nothing was sent to the refused target");
  }

  @Test
  void aBurstAndItsRedeliveryFireOnceAndCountEveryErrorOnce() throws Exception {
    // Verifies one firing per trigger object under a burst: 500 errors of one fingerprint in one batch request, then
    // the same batch again (as after a Kafka redelivery: the store takes none of them again), give one run that
    // stands for 500 errors and trigger_count exactly 500.
    JsonObject rule = create(rule("Burst", "error", "{\"error_type\": \"BurstError\"}",
        actions("trigger_agent", new JsonObject())));
    String id = rule.getString("id");
    RulesFixture.awayFromErrorWindowEnd(clock);
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      ndjson.append(error("burst-" + i, "BurstError", 400, null).encode()).append('\n');
    }
    HttpResponse<String> r = RulesFixture.mcp(port, "/api/webhooks/mcp-error/batch", ndjson.toString(),
        "application/x-ndjson");
    assertEquals(202, r.statusCode(), r.body());
    HttpResponse<String> again = RulesFixture.mcp(port, "/api/webhooks/mcp-error/batch", ndjson.toString(),
        "application/x-ndjson");
    assertEquals(500, new JsonObject(again.body()).getInteger("duplicates"), again.body());
    Await.until("the run counts 500 errors", () -> {
      RulesFixture.flush(engine);
      return count("SELECT COALESCE(sum(events), 0) FROM rule_runs WHERE rule_id = '" + id + "'") == 500;
    });
    // No wait for a late second firing: each error counts in exactly one run and a flush claims what is pending
    // first, so once the runs hold all 500, a second run would already be there holding some of them.
    assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE rule_id = '" + id + "'"), "one firing");
    assertEquals(500, count("SELECT events FROM rule_runs WHERE rule_id = '" + id + "'"));
    assertEquals(500, count("SELECT trigger_count FROM automation_rules WHERE id = '" + id + "'"));
    JsonObject shown = new JsonObject(admin(port, "GET", "/api/admin/rules/" + id, null).body());
    assertEquals(500, shown.getLong("trigger_count"));
    JsonObject run = new JsonObject(admin(port, "GET", "/api/admin/rules/" + id + "/runs", null).body())
        .getJsonArray("items").getJsonObject(0);
    assertEquals(500, run.getLong("events"));
    assertNotNull(RulesFixture.queryString(url, "SELECT last_triggered::text FROM automation_rules WHERE id = '"
        + id + "'"));
  }

  @Test
  void aBurstOf5xxErrorsOfOneFingerprintFiresTheDefaultRuleOnce(VertxTestContext bus) throws Exception {
    // Verifies the coalescing on the first default rule: 40 errors of one customer's bug, in one batch and in
    // single requests, give one ticket, one agent answer, one run standing for 40 errors and trigger_count + 40.
    TestDatabase.exec(url, "INSERT INTO users(id, email, name, language) VALUES ('u-storm', 'storm@example.nl', "
        + "'Storm', 'nl') ON CONFLICT DO NOTHING");
    // The ticket event of the 40th occurrence: the last event the agent gets about this ticket.
    Checkpoint fortieth = bus.checkpoint();
    MessageConsumer<TicketEvent> tickets = engine.vertx().eventBus().<TicketEvent>localConsumer(
        Addresses.TICKETS_CHANGED, m -> {
          if ("u-storm".equals(m.body().userId()) && m.body().occurrenceCount() == 40) {
            fortieth.flag();
          }
        });
    tickets.completion().await(10, TimeUnit.SECONDS);
    RulesFixture.flush(engine);
    long before = new JsonObject(admin(port, "GET", "/api/admin/rules/default-error-5xx", null).body())
        .getLong("trigger_count");
    RulesFixture.awayFromErrorWindowEnd(clock);
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      ndjson.append(error("storm-" + i, "ExactStormError", 503, "u-storm").encode()).append('\n');
    }
    assertEquals(202, RulesFixture.mcp(port, "/api/webhooks/mcp-error/batch", ndjson.toString(),
        "application/x-ndjson").statusCode());
    for (int i = 30; i < 40; i++) {
      assertEquals(202, send(error("storm-" + i, "ExactStormError", 503, "u-storm")).statusCode());
    }
    Await.until("one high priority bug ticket",
        () -> count("SELECT count(*) FROM support_conversations WHERE user_id = 'u-storm' AND priority = "
        + "'high' AND category = 'bug'") == 1);
    Await.until("an agent answer",
        () -> count("SELECT count(*) FROM support_messages m JOIN support_conversations c ON c.id = "
        + "m.conversation_id WHERE c.user_id = 'u-storm' AND m.sender_type = 'agent'") >= 1);
    Await.until("the run counts 40 errors", () -> {
      RulesFixture.flush(engine);
      return count("SELECT COALESCE(sum(events), 0) FROM rule_runs WHERE rule_id = 'default-error-5xx' "
          + "AND trigger_key LIKE 'errors:u-storm:%'") == 40;
    });
    // Nothing more may happen for this storm: wait for the last events it causes instead of a fixed time. The
    // firing's actions are done once its run is recorded as succeeded; the 40th occurrence's ticket event has been
    // delivered to the agent once our consumer saw it (a publish hands it to every consumer at once); the agent has
    // finished with it once it is idle after a later scan.
    Await.until("the firing's actions done", () -> count("SELECT count(*) FROM rule_runs WHERE rule_id = "
        + "'default-error-5xx' AND trigger_key LIKE 'errors:u-storm:%' AND outcome IS NOT NULL") >= 1);
    try {
      assertTrue(bus.awaitCompletion(30, TimeUnit.SECONDS), "the ticket event of the 40th occurrence was published");
    } finally {
      tickets.unregister();
    }
    TestEngine.awaitAgentIdle(engine);
    RulesFixture.flush(engine);
    assertEquals(1, count("SELECT count(*) FROM support_conversations WHERE user_id = 'u-storm'"), "one ticket");
    assertEquals(1, count("SELECT count(*) FROM support_messages m JOIN support_conversations c ON c.id = "
        + "m.conversation_id WHERE c.user_id = 'u-storm' AND m.sender_type = 'agent'"), "one agent answer");
    assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE rule_id = 'default-error-5xx' "
        + "AND trigger_key LIKE 'errors:u-storm:%'"), "one firing");
    assertEquals(40, count("SELECT events FROM rule_runs WHERE rule_id = 'default-error-5xx' "
        + "AND trigger_key LIKE 'errors:u-storm:%' AND outcome = 'succeeded'"));
    assertEquals(40, count("SELECT occurrence_count FROM support_conversations WHERE user_id = 'u-storm'"),
        "the pipeline counts the occurrences; the rule adds none");
    Await.until("trigger_count counts every error exactly",
        () -> new JsonObject(admin(port, "GET", "/api/admin/rules/default-error-5xx", null).body())
        .getLong("trigger_count") == before + 40);
  }

  @Test
  void aTicketRuleFiresOnAnAutoTicketAndMailsTheRuleAlert() throws Exception {
    // Verifies a ticket-triggered rule: a new auto-ticket of a given error type fires it once, and its send_email
    // action (rule_alert to its own recipient) arrives in GreenMail with the ticket in it.
    create(rule("New sync tickets", "ticket", "{\"kind\": \"created\", \"error_type\": \"InvoiceSyncError\"}",
        actions("send_email", new JsonObject().put("template", "rule_alert").put("to", "sync-team@supportpilot.test"))));
    int before = smtp.getReceivedMessages().length;
    assertEquals(202, send(error("sync-1", "InvoiceSyncError", 409, "u-sync")).statusCode());
    assertTrue(smtp.waitForIncomingEmail(15_000, before + 1), "the rule alert arrives");
    MimeMessage mail = null;
    for (MimeMessage m : smtp.getReceivedMessages()) {
      if ("sync-team@supportpilot.test".equals(m.getAllRecipients()[0].toString())) {
        mail = m;
      }
    }
    assertNotNull(mail);
    assertEquals("[supportpilot] Rule fired: New sync tickets", mail.getSubject());
    String ticket = RulesFixture.queryString(url, "SELECT id FROM support_conversations WHERE user_id = 'u-sync'");
    assertTrue(String.valueOf(mail.getContent()).contains(ticket), "the alert names the ticket");
    assertEquals(202, send(error("sync-2", "InvoiceSyncError", 409, "u-sync")).statusCode());
    Await.until("the repeat updates the ticket",
        () -> count("SELECT max(occurrence_count) FROM support_conversations WHERE user_id = 'u-sync'") == 2);
    RulesFixture.flush(engine);
    assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE trigger_type = 'ticket' "
        + "AND trigger_object->>'conversation_id' = '" + ticket + "'"), "an update is not a creation");
  }

  @Test
  void aPatternRuleFiresOncePerConversationAndMatchedPattern() throws Exception {
    // Verifies pattern-triggered rules: the support agent's "patterns contributed to this decision" message (the
    // one the learning loop counts) fires a rule whose condition holds for one of its patterns, once per
    // conversation and pattern even when the message comes again, and not for a pattern the condition excludes.
    JsonObject rule = create(rule("Token pattern seen", "pattern",
        "{\"pattern_id\": \"token-expired\", \"confidence\": {\"$gte\": 0.5}}",
        actions("send_email", new JsonObject().put("template", "rule_alert").put("to", "patterns@supportpilot.test"))));
    JsonObject message = new JsonObject().put("conversation_id", "conv-pattern-1").put("user_id", "u-pattern")
        .put("language", "en").put("confidence", 0.91)
        .put("pattern_ids", new JsonArray().add("token-expired").add("other-pattern"))
        .put("matches", new JsonArray()
            .add(new JsonObject().put("pattern_id", "token-expired").put("pattern_name", "Token expired").put("score", 1.0))
            .add(new JsonObject().put("pattern_id", "other-pattern").put("pattern_name", "Other").put("score", 0.5)));
    int before = smtp.getReceivedMessages().length;
    engine.vertx().eventBus().publish(Addresses.PATTERNS_TRIGGERED, message);
    engine.vertx().eventBus().publish(Addresses.PATTERNS_TRIGGERED, message);
    assertTrue(smtp.waitForIncomingEmail(15_000, before + 1), "the rule alert arrives");
    RulesFixture.flush(engine);
    assertEquals(1, count("SELECT count(*) FROM rule_runs WHERE rule_id = '" + rule.getString("id") + "'"));
    assertEquals("conv-pattern-1", RulesFixture.queryString(url, "SELECT trigger_object->>'conversation_id' "
        + "FROM rule_runs WHERE rule_id = '" + rule.getString("id") + "'"));
    engine.vertx().eventBus().publish(Addresses.PATTERNS_TRIGGERED, message.copy().put("confidence", 0.3)
        .put("conversation_id", "conv-pattern-2"));
    // A marker behind it from the same sender (delivered in order): once the marker has fired, the message below
    // the confidence has been evaluated, and a flush claims whatever it might have fired.
    engine.vertx().eventBus().publish(Addresses.PATTERNS_TRIGGERED, message.copy()
        .put("conversation_id", "conv-pattern-marker"));
    Await.until("the marker fires", () -> {
      RulesFixture.flush(engine);
      return count("SELECT count(*) FROM rule_runs WHERE rule_id = '" + rule.getString("id") + "' AND "
          + "trigger_object->>'conversation_id' = 'conv-pattern-marker'") == 1;
    });
    assertEquals(0, count("SELECT count(*) FROM rule_runs WHERE rule_id = '" + rule.getString("id") + "' AND "
        + "trigger_object->>'conversation_id' = 'conv-pattern-2'"), "below the condition's confidence nothing fires");
    assertEquals(2, count("SELECT count(*) FROM rule_runs WHERE rule_id = '" + rule.getString("id") + "'"));
  }

  static JsonObject find(JsonArray items, String id) {
    for (int i = 0; i < items.size(); i++) {
      if (id.equals(items.getJsonObject(i).getString("id"))) {
        return items.getJsonObject(i);
      }
    }
    throw new AssertionError("no rule " + id + " in " + items.encode());
  }
}
