package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IngestWebhookTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static Engine engine;
  static int port;
  static String db;
  static final List<TicketEvent> tickets = new CopyOnWriteArrayList<>();
  static final List<StoredErrors> stored = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    db = TestDatabase.freshDatabase("IngestWebhookTest");
    Map<String, String> env = TestEngine.env(db);
    env.put("TICKETS_CONTEXT_MESSAGE_INTERVAL", "0s");
    // Ticket state is asserted exactly here; the agent's own changes (answers, escalations) are tested in the
    // agent tests and EndToEndTest.
    env.put("AGENT_ENABLED", "false");
    engine = TestEngine.start(env);
    port = engine.port();
    engine.vertx().eventBus().<TicketEvent>consumer(Addresses.TICKETS_CHANGED, m -> tickets.add(m.body()));
    engine.vertx().eventBus().<StoredErrors>consumer(Addresses.ERRORS_STORED, m -> stored.add(m.body()));
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  static String id() {
    return UUID.randomUUID().toString();
  }

  static long count(String sql) {
    return TestDatabase.queryLong(db, sql);
  }

  static String q(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  static String resource(String name) throws IOException {
    try (InputStream in = IngestWebhookTest.class.getResourceAsStream("/sentry/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  // ---------------------------------------------------------------- happy path

  @Test
  void anMcpErrorIsAcceptedOnlyOnceStoredWithAllItsFields() throws Exception {
    // Verifies that a signed MCP error gets 202 and is in Postgres at that moment, fields and fingerprint set.
    String eventId = id();
    HttpResponse<String> r = Webhooks.mcp(port, Webhooks.mcpError(eventId, "user-a", "Exact Online returned 502 "
        + "for division 12345").encode());
    assertEquals(202, r.statusCode(), r.body());
    assertEquals("accepted", new JsonObject(r.body()).getString("status"));
    try (Connection c = TestDatabase.connect(db); PreparedStatement ps = c.prepareStatement(
        "SELECT user_id, connection_id, tool, error_type, error_code, status_code, message, stack, context->>'division',"
            + " fingerprint, occurred_at, level FROM support_error_log WHERE source = 'mcp' AND event_id = ?")) {
      ps.setString(1, eventId);
      ResultSet rs = ps.executeQuery();
      assertTrue(rs.next(), "stored before the 202");
      assertEquals("user-a", rs.getString(1));
      assertEquals("conn-user-a", rs.getString(2));
      assertEquals("get_invoices", rs.getString(3));
      assertEquals("ExactApiError", rs.getString(4));
      assertEquals("EXACT_500", rs.getString(5));
      assertEquals(502, rs.getInt(6));
      assertEquals("Exact Online returned 502 for division 12345", rs.getString(7));
      assertTrue(rs.getString(8).contains("invoices.ts:42:13"));
      assertEquals("12345", rs.getString(9));
      assertEquals(32, rs.getString(10).length());
      assertEquals("2026-11-25T10:15:30Z", rs.getTimestamp(11).toInstant().toString());
      assertEquals("error", rs.getString(12));
    }
  }

  @Test
  void theSameEventTwiceIsStoredOnceAndTheRepeatGets200() {
    // Verifies idempotency on the event id: 202 then 200 duplicate, one row.
    String eventId = id();
    String body = Webhooks.mcpError(eventId, "user-b", "boom 1").encode();
    assertEquals(202, Webhooks.mcp(port, body).statusCode());
    HttpResponse<String> again = Webhooks.mcp(port, body);
    assertEquals(200, again.statusCode(), again.body());
    assertEquals("duplicate", new JsonObject(again.body()).getString("status"));
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(eventId)));
  }

  @Test
  void oneHundredConcurrentCopiesOfAnEventGiveOne202AndOneRow() {
    // Verifies that 100 concurrent deliveries of the same event id store one row and exactly one gets 202.
    String eventId = id();
    String body = Webhooks.mcpError(eventId, "user-c", "concurrent").encode();
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      fs.add(Webhooks.mcpAsync(port, body));
    }
    int accepted = 0;
    int dup = 0;
    for (CompletableFuture<HttpResponse<String>> f : fs) {
      int s = f.join().statusCode();
      if (s == 202) {
        accepted++;
      } else if (s == 200) {
        dup++;
      }
    }
    assertEquals(1, accepted);
    assertEquals(99, dup);
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(eventId)));
  }

  @Test
  void anEventWithoutIdGetsAStableGeneratedOne() {
    // Verifies that a body without event_id is stored under an id derived from its bytes, so a retry dedupes.
    JsonObject o = Webhooks.mcpError(null, "user-gen", "no id here");
    String body = o.encode();
    HttpResponse<String> first = Webhooks.mcp(port, body);
    assertEquals(202, first.statusCode(), first.body());
    String generated = new JsonObject(first.body()).getString("event_id");
    assertTrue(generated.startsWith("gen-"));
    assertEquals(200, Webhooks.mcp(port, body).statusCode());
  }

  @Test
  void sqlAndScriptTextIsStoredVerbatim() {
    // Verifies that SQL and HTML in a message are stored byte for byte and never executed or echoed.
    String evil = "x'); DROP TABLE support_error_log; -- <script>alert('x')</script> \u00e9\u4e2d\ud83d\ude00";
    String eventId = id();
    HttpResponse<String> r = Webhooks.mcp(port, Webhooks.mcpError(eventId, "user-evil", evil).encode());
    assertEquals(202, r.statusCode(), r.body());
    assertFalse(r.body().contains("<script>"));
    try (Connection c = TestDatabase.connect(db); PreparedStatement ps = c.prepareStatement(
        "SELECT message FROM support_error_log WHERE event_id = ?")) {
      ps.setString(1, eventId);
      ResultSet rs = ps.executeQuery();
      assertTrue(rs.next());
      assertEquals(evil, rs.getString(1));
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aNulCharacterDoesNotPoisonTheBatch() {
    // Verifies that a \u0000 in text and context (which Postgres cannot store) is replaced, and the event stored.
    String eventId = id();
    JsonObject o = Webhooks.mcpError(eventId, "user-nul", "nul\u0000here");
    o.getJsonObject("context").put("k\u0000", "v\u0000");
    HttpResponse<String> r = Webhooks.mcp(port, o.encode());
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(eventId)
        + " AND message = 'nul\uFFFDhere'"));
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void notJsonIs400() {
    // Verifies that a body that is not JSON gets 400 with a JSON error.
    HttpResponse<String> r = Webhooks.mcp(port, "this is { not json");
    assertEquals(400, r.statusCode());
    assertEquals("bad_request", new JsonObject(r.body()).getString("error"));
    assertEquals(400, Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\"} trailing").statusCode());
    assertEquals(400, Webhooks.mcp(port, "").statusCode());
    assertEquals(400, Webhooks.mcp(port, "[1,2]").statusCode());
  }

  @Test
  void invalidUtf8Is400() {
    // Verifies that bytes that are not UTF-8 inside a JSON string get 400 naming UTF-8.
    byte[] head = "{\"error_type\":\"X\",\"message\":\"".getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "\"}".getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[head.length + 3 + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    body[head.length] = (byte) 0xC3;
    body[head.length + 1] = (byte) 0x28;
    body[head.length + 2] = (byte) 0xFF;
    System.arraycopy(tail, 0, body, head.length + 3, tail.length);
    HttpResponse<String> r = Webhooks.mcp(port, WebhookRoutes.MCP_PATH, body, "application/json");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(new JsonObject(r.body()).getString("detail").contains("UTF-8"), r.body());
  }

  @Test
  void bodiesOverTheLimitAre413IncludingATenMegabyteField() {
    // Verifies 413 for a body over the limit: a 10 MB string inside the message field.
    String big = "x".repeat(10 * 1024 * 1024);
    JsonObject o = Webhooks.mcpError(id(), "user-big", big);
    HttpResponse<String> r = Webhooks.mcp(port, o.encode());
    assertEquals(413, r.statusCode(), r.body().substring(0, Math.min(200, r.body().length())));
    assertEquals("payload_too_large", new JsonObject(r.body()).getString("error"));
    HttpResponse<String> b = Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH,
        ("[" + o.encode() + "]").getBytes(StandardCharsets.UTF_8), "application/json");
    assertEquals(413, b.statusCode());
  }

  @Test
  void aLongStringUnderTheBodyLimitIsRejectedByTheStringLimit() {
    // Verifies that a 300,000-character field (over ingest.max-string-chars) gets 400, not a crash.
    HttpResponse<String> r = Webhooks.mcp(port, Webhooks.mcpError(id(), "u", "y".repeat(300_000)).encode());
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("limit"), r.body());
  }

  @Test
  void jsonNestedThousandsDeepIs400() {
    // Verifies that JSON nested 5,000 deep is refused with 400 before it can exhaust the stack.
    String deep = "{\"error_type\":\"X\",\"message\":\"m\",\"context\":" + "{\"a\":".repeat(5000) + "1"
        + "}".repeat(5000) + "}";
    HttpResponse<String> r = Webhooks.mcp(port, deep);
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("nests deeper than"), r.body());
    String arrays = "[".repeat(5000) + "]".repeat(5000);
    assertEquals(400, Webhooks.mcp(port, arrays).statusCode());
  }

  @Test
  void missingOrWrongTypedFieldsAre400NamingTheField() {
    // Verifies that each required or typed field is checked and named in the 400 detail.
    assertDetail(Webhooks.mcp(port, "{\"message\":\"m\"}"), "error_type");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\"}"), "message");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":42,\"message\":\"m\"}"), "error_type");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"status_code\":\"500\"}"),
        "status_code");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"status_code\":9000}"), "status_code");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"context\":[1]}"), "context");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"occurred_at\":\"yesterday\"}"),
        "occurred_at");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"user_id\":{}}"), "user_id");
    assertDetail(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"event_id\":\"" + "e".repeat(300)
        + "\"}"), "event_id");
  }

  private static void assertDetail(HttpResponse<String> r, String field) {
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(new JsonObject(r.body()).getString("detail").contains(field), r.body());
  }

  @Test
  void wrongContentTypeIs415() {
    // Verifies that a body that is not declared JSON gets 415 (and NDJSON only on the batch endpoint).
    String body = Webhooks.mcpError(id(), "u", "m").encode();
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    assertEquals(415, Webhooks.mcp(port, WebhookRoutes.MCP_PATH, b, "text/plain").statusCode());
    assertEquals(415, Webhooks.mcp(port, WebhookRoutes.MCP_PATH, b, "application/x-ndjson").statusCode());
    assertEquals(415, Webhooks.mcp(port, WebhookRoutes.MCP_PATH, b, "application/json; charset=latin1")
        .statusCode());
    HttpResponse<String> none = Http.post(port, WebhookRoutes.MCP_PATH, b);
    assertEquals(415, none.statusCode());
    assertEquals(202, Webhooks.mcp(port, WebhookRoutes.MCP_PATH, b, "application/json; charset=utf-8")
        .statusCode());
  }

  @Test
  void badStaleFutureOrMissingSignaturesAre401() {
    // Verifies the MCP HMAC rules: wrong secret, stale and future timestamps and missing headers get 401.
    byte[] b = Webhooks.mcpError(id(), "u", "m").encode().getBytes(StandardCharsets.UTF_8);
    long now = Webhooks.now();
    assertEquals(401, post(b, now, Webhooks.mcpSignature("wrong-secret", now, b)).statusCode());
    assertEquals(401, post(b, now - 330, Webhooks.mcpSignature(TestEngine.MCP_SECRET, now - 330, b)).statusCode());
    assertEquals(401, post(b, now + 330, Webhooks.mcpSignature(TestEngine.MCP_SECRET, now + 330, b)).statusCode());
    assertEquals(202, post(b, now - 250, Webhooks.mcpSignature(TestEngine.MCP_SECRET, now - 250, b)).statusCode());
    // signed with another timestamp than the header says
    assertEquals(401, post(b, now, Webhooks.mcpSignature(TestEngine.MCP_SECRET, now - 1, b)).statusCode());
    assertEquals(401, Http.post(port, WebhookRoutes.MCP_PATH, b, "Content-Type", "application/json").statusCode());
    assertEquals(401, post(b, now, "deadbeef").statusCode());
    HttpResponse<String> r = post(b, now, "sha256=" + "0".repeat(64));
    assertEquals(401, r.statusCode());
    assertFalse(r.body().contains(TestEngine.MCP_SECRET));
  }

  @Test
  void aSignatureOverTheReserialisedBodyIsRefused() {
    // Verifies that the signature must cover the raw bytes: signing a re-serialised (compact) body fails.
    String pretty = Webhooks.mcpError(id(), "u", "m").encodePrettily();
    byte[] raw = pretty.getBytes(StandardCharsets.UTF_8);
    byte[] reserialised = new JsonObject(pretty).encode().getBytes(StandardCharsets.UTF_8);
    long now = Webhooks.now();
    assertEquals(401, post(raw, now, Webhooks.mcpSignature(TestEngine.MCP_SECRET, now, reserialised)).statusCode());
    assertEquals(202, post(raw, now, Webhooks.mcpSignature(TestEngine.MCP_SECRET, now, raw)).statusCode());
  }

  private static HttpResponse<String> post(byte[] b, long ts, String sig) {
    return Http.post(port, WebhookRoutes.MCP_PATH, b, "Content-Type", "application/json", "X-Timestamp",
        String.valueOf(ts), "X-Signature", sig);
  }

  // ---------------------------------------------------------------- batch

  @Test
  void anNdjsonBatchGetsPerItemResults() {
    // Verifies NDJSON: valid lines are stored, an invalid one is named, the batch answers 207 with per-item results.
    String a = id();
    String b = id();
    String body = Webhooks.mcpError(a, "user-batch", "one").encode() + "\n"
        + "{\"message\":\"no type\"}\n\n"
        + Webhooks.mcpError(b, "user-batch", "two").encode() + "\n"
        + Webhooks.mcpError(a, "user-batch", "one").encode() + "\n";
    HttpResponse<String> r = Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, body.getBytes(StandardCharsets.UTF_8),
        "application/x-ndjson");
    assertEquals(207, r.statusCode(), r.body());
    JsonObject out = new JsonObject(r.body());
    assertEquals(2, out.getInteger("accepted"));
    assertEquals(1, out.getInteger("duplicates"));
    assertEquals(1, out.getInteger("rejected"));
    JsonArray results = out.getJsonArray("results");
    assertEquals(202, results.getJsonObject(0).getInteger("status"));
    assertEquals(400, results.getJsonObject(1).getInteger("status"));
    assertTrue(results.getJsonObject(1).getString("detail").contains("error_type"));
    assertEquals(202, results.getJsonObject(2).getInteger("status"));
    assertEquals(200, results.getJsonObject(3).getInteger("status"));
    assertEquals(2, count("SELECT count(*) FROM support_error_log WHERE event_id IN (" + q(a) + "," + q(b) + ")"
        + " AND context->>'division' = '12345' AND context->>'endpoint' = '/api/v1/12345/salesinvoice'"),
        "the context object of each line is stored as sent");
  }

  @Test
  void aJsonArrayBatchIs202ThenAllDuplicates200() {
    // Verifies a JSON array batch: 202 when stored, 200 when every item was already stored; empty is 400.
    JsonArray arr = new JsonArray();
    for (int i = 0; i < 50; i++) {
      arr.add(Webhooks.mcpError(id(), "user-arr-" + i, "array " + i));
    }
    byte[] b = arr.encode().getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, b, "application/json");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(50, new JsonObject(r.body()).getInteger("accepted"));
    HttpResponse<String> again = Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, b, "application/json");
    assertEquals(200, again.statusCode());
    assertEquals(50, new JsonObject(again.body()).getInteger("duplicates"));
    assertEquals(400, Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, "[]".getBytes(), "application/json")
        .statusCode());
    long now = Webhooks.now();
    assertEquals(401, Http.post(port, WebhookRoutes.MCP_BATCH_PATH, b, "Content-Type", "application/json",
        "X-Timestamp", String.valueOf(now), "X-Signature", Webhooks.mcpSignature("wrong", now, b)).statusCode());
    assertEquals(415, Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, b, "text/csv").statusCode());
    assertEquals(400, Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, "[{\"error_type\":".getBytes(),
        "application/json").statusCode(), "a truncated array");
    assertEquals(400, Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, "[{\"x\":1}]".getBytes(),
        "application/json").statusCode());
  }

  // ---------------------------------------------------------------- Sentry

  @Test
  void aSentryEventAlertIsNormalisedAndRetriesDedupeOnTheEventId() throws Exception {
    // Verifies event_alert: type, value, in-app frames, tags pairs, user, web_url; a retry with a new Request-ID is 200.
    String body = resource("event_alert.json");
    HttpResponse<String> r = Webhooks.sentry(port, "event_alert", body);
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(200, Webhooks.sentry(port, "event_alert", body).statusCode(), "retry with a new Request-ID");
    try (Connection c = TestDatabase.connect(db); PreparedStatement ps = c.prepareStatement(
        "SELECT error_type, message, user_id, tool, connection_id, status_code, error_code, level, stack,"
            + " context->'sentry'->>'web_url', context->'sentry'->>'issue_id', context->'tags'->>'environment',"
            + " occurred_at FROM support_error_log WHERE source = 'sentry' AND event_id = ?")) {
      ps.setString(1, "4d1b6bd2a9e848e38d6d1a3b4e0e8d71");
      ResultSet rs = ps.executeQuery();
      assertTrue(rs.next());
      assertEquals("ExactApiError", rs.getString(1));
      assertEquals("Exact Online returned 502 for division 12345 (request 9f2c1e)", rs.getString(2));
      assertEquals("user-sentry-1", rs.getString(3));
      assertEquals("get_invoices", rs.getString(4));
      assertEquals("conn-42", rs.getString(5));
      assertEquals(502, rs.getInt(6));
      assertEquals("EXACT_502", rs.getString(7));
      assertEquals("error", rs.getString(8));
      String stack = rs.getString(9);
      assertTrue(stack.indexOf("processTicksAndRejections") < stack.indexOf("fetchInvoices"), "oldest first");
      assertTrue(rs.getString(10).contains("/issues/1170/events/"));
      assertEquals("1170", rs.getString(11));
      assertEquals("production", rs.getString(12));
      assertEquals("2026-11-25T09:58:01.123Z", rs.getTimestamp(13).toInstant().toString());
    }
  }

  @Test
  void sentryErrorAndIssueResourcesAreStoredAndOthersIgnored() throws Exception {
    // Verifies the resource switch: error (data.error) and issue (no stack, id+action) stored; installation,
    // issue resolved and unknown resources get 200 ignored.
    JsonObject alert = new JsonObject(resource("event_alert.json"));
    JsonObject ev = alert.getJsonObject("data").getJsonObject("event").copy().put("event_id", "e" + id().replace("-", ""));
    JsonObject error = new JsonObject().put("action", "created").put("data", new JsonObject().put("error", ev));
    assertEquals(202, Webhooks.sentry(port, "error", error.encode()).statusCode());
    JsonObject ev2 = ev.copy().put("event_id", "f" + id().replace("-", ""));
    JsonObject errorAsEvent = new JsonObject().put("action", "created").put("data", new JsonObject().put("event", ev2));
    assertEquals(202, Webhooks.sentry(port, "error", errorAsEvent.encode()).statusCode(), "data.event also read");
    HttpResponse<String> issue = Webhooks.sentry(port, "issue", resource("issue_created.json"));
    assertEquals(202, issue.statusCode(), issue.body());
    assertEquals("issue:1170:created", new JsonObject(issue.body()).getString("event_id"));
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE source = 'sentry' AND event_id = "
        + "'issue:1170:created' AND stack IS NULL AND error_type = 'TokenExpiredError'"));
    assertEquals(200, Webhooks.sentry(port, "issue", resource("issue_created.json")).statusCode());
    for (String res : new String[] {"installation", "metric_alert", "seer", "comment", "something_new"}) {
      HttpResponse<String> r = Webhooks.sentry(port, res, "{\"action\":\"created\",\"data\":{}}");
      assertEquals(200, r.statusCode(), res);
      assertEquals("ignored", new JsonObject(r.body()).getString("status"));
    }
    String resolved = resource("issue_created.json").replace("\"action\": \"created\"", "\"action\": \"resolved\"");
    assertEquals("ignored", new JsonObject(Webhooks.sentry(port, "issue", resolved).body()).getString("status"));
    HttpResponse<String> broken = Webhooks.sentry(port, "event_alert", "{\"action\":\"triggered\",\"data\":{}}");
    assertEquals(400, broken.statusCode());
    assertTrue(broken.body().contains("data.event"), broken.body());
  }

  @Test
  void sentrySignaturesMustMatchTheRawBody() throws Exception {
    // Verifies Sentry HMAC: a wrong secret, a missing header and a signature over re-serialised JSON get 401.
    String body = resource("issue_created.json");
    byte[] raw = body.getBytes(StandardCharsets.UTF_8);
    byte[] reserialised = new JsonObject(body).encode().getBytes(StandardCharsets.UTF_8);
    assertFalse(java.util.Arrays.equals(raw, reserialised));
    assertEquals(401, sentryPost(raw, Webhooks.sentrySignature("nope", raw)).statusCode());
    assertEquals(401, sentryPost(raw, Webhooks.sentrySignature(TestEngine.SENTRY_SECRET, reserialised)).statusCode());
    assertEquals(401, Http.post(port, WebhookRoutes.SENTRY_PATH, raw, "Content-Type", "application/json",
        "Sentry-Hook-Resource", "issue").statusCode());
    assertEquals(401, sentryPost("{}".getBytes(), Webhooks.sentrySignature("nope", "{}".getBytes())).statusCode());
  }

  private static HttpResponse<String> sentryPost(byte[] b, String sig) {
    return Http.post(port, WebhookRoutes.SENTRY_PATH, b, "Content-Type", "application/json",
        "Sentry-Hook-Resource", "issue", "Sentry-Hook-Signature", sig);
  }

  // ---------------------------------------------------------------- tickets

  @Test
  void aNewErrorOpensOneTicketAndRepeatsAddContext() throws Exception {
    // Verifies the plan's flow: first error -> auto-ticket with a system message; the same bug with other ids
    // and numbers -> same ticket, count and last seen updated; log rows linked; TicketEvents published.
    String user = "user-t-" + id();
    String e1 = id();
    assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(e1, user, "Exact Online returned 502 for division 111 "
        + "(request abc123)").encode()).statusCode());
    Await.until("ticket", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(e1)
        + " AND ticket_id IS NOT NULL AND auto_ticket_created") == 1);
    String e2 = id();
    JsonObject second = Webhooks.mcpError(e2, user, "Exact Online returned 502 for division 999 (request ff0077)");
    second.put("occurred_at", "2026-11-25T11:00:00Z");
    assertEquals(202, Webhooks.mcp(port, second.encode()).statusCode());
    Await.until("second linked", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(e2)
        + " AND ticket_id IS NOT NULL AND NOT auto_ticket_created") == 1);
    assertEquals(1, count("SELECT count(*) FROM support_conversations WHERE user_id = " + q(user)));
    assertEquals(1, count("SELECT count(DISTINCT ticket_id) FROM support_error_log WHERE user_id = " + q(user)));
    // Occurrences of an existing ticket are counted at the next coalesced update (tickets.update-interval).
    Await.until("second counted", WAIT,
        () -> count("SELECT occurrence_count FROM support_conversations WHERE user_id = "
        + q(user)) == 2);
    Await.until("occurred-again message", WAIT,
        () -> count("SELECT count(*) FROM support_messages m JOIN support_conversations c"
        + " ON c.id = m.conversation_id WHERE c.user_id = " + q(user) + " AND m.sender_type = 'system'") == 2);
    try (Connection c = TestDatabase.connect(db); PreparedStatement ps = c.prepareStatement(
        "SELECT id, auto_created, status, priority, category, occurrence_count, last_seen_at, subject,"
            + " last_error_sample->>'event_id', handled_by FROM support_conversations WHERE user_id = ?")) {
      ps.setString(1, user);
      ResultSet rs = ps.executeQuery();
      assertTrue(rs.next());
      String ticket = rs.getString(1);
      assertTrue(rs.getBoolean(2));
      assertEquals("open", rs.getString(3));
      assertEquals("high", rs.getString(4), "a 5xx error is high priority");
      assertEquals(2, rs.getInt(6));
      assertEquals("2026-11-25T11:00:00Z", rs.getTimestamp(7).toInstant().toString());
      assertTrue(rs.getString(8).startsWith("ExactApiError: Exact Online returned 502"));
      assertEquals(e2, rs.getString(9));
      assertEquals(2, count("SELECT count(*) FROM support_messages WHERE conversation_id = " + q(ticket)
          + " AND sender_type = 'system'"));
      assertEquals(1, count("SELECT count(*) FROM support_messages WHERE conversation_id = " + q(ticket)
          + " AND content LIKE '%division 111%' AND content LIKE '%invoices.ts%'"));
      Await.until("ticket events", WAIT,
          () -> tickets.stream().filter(t -> t.conversationId().equals(ticket)).count() == 2);
      List<TicketEvent> mine = tickets.stream().filter(t -> t.conversationId().equals(ticket)).toList();
      assertEquals(TicketEvent.CREATED, mine.get(0).kind());
      assertEquals(TicketEvent.UPDATED, mine.get(1).kind());
      assertEquals(2, mine.get(1).occurrenceCount());
      assertEquals(e2, mine.get(1).sample().eventId());
    }
    assertTrue(stored.stream().anyMatch(s -> s.events().stream().anyMatch(e -> e.eventId().equals(e2))),
        "StoredErrors published for the spike detector");
  }

  @Test
  void aBurstOfConcurrentIdenticalErrorsOpensOneTicket() throws Exception {
    // Verifies one ticket per (user, fingerprint) under 200 concurrent identical errors with different ids.
    String user = "user-burst-" + id();
    List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      fs.add(Webhooks.mcpAsync(port, Webhooks.mcpError(id(), user, "Token refresh failed after " + i + " ms")
          .encode()));
    }
    for (CompletableFuture<HttpResponse<String>> f : fs) {
      assertEquals(202, f.join().statusCode());
    }
    Await.until("all linked", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE user_id = " + q(user)
        + " AND ticket_id IS NOT NULL") == 200);
    assertEquals(1, count("SELECT count(*) FROM support_conversations WHERE user_id = " + q(user)));
    Await.until("all counted", WAIT, () -> count("SELECT occurrence_count FROM support_conversations WHERE user_id = "
        + q(user)) == 200);
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE user_id = " + q(user)
        + " AND auto_ticket_created"));
  }

  @Test
  void repeatedErrorsOfAnOpenTicketAreCountedInCoalescedUpdates() throws Exception {
    // Verifies the coalesced ticket updates: 40 errors of an open ticket, sent one after another (each its own write
    // and ticket batch), are all counted, in far fewer ticket updates (one per tickets.update-interval, 1 s) than
    // errors; each update carries the running total, and the rows are linked to the ticket as they are stored.
    String user = "user-coalesce-" + id();
    String first = id();
    assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(first, user, "Sync of ledger 1 failed").encode())
        .statusCode());
    Await.until("ticket", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(first)
        + " AND auto_ticket_created") == 1);
    String ticket = tickets.stream().filter(t -> t.userId().equals(user)).findFirst().orElseThrow().conversationId();
    for (int i = 0; i < 40; i++) {
      assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(id(), user, "Sync of ledger " + (i + 2) + " failed")
          .encode()).statusCode());
    }
    Await.until("all linked", WAIT,
        () -> count("SELECT count(*) FROM support_error_log WHERE ticket_id = " + q(ticket)) == 41);
    Await.until("all counted", WAIT,
        () -> count("SELECT occurrence_count FROM support_conversations WHERE id = " + q(ticket))
        == 41);
    Await.until("last update published", WAIT, () -> tickets.stream().anyMatch(t -> t.conversationId().equals(ticket)
        && t.occurrenceCount() == 41));
    List<TicketEvent> updates = tickets.stream().filter(t -> t.conversationId().equals(ticket)
        && t.kind().equals(TicketEvent.UPDATED)).toList();
    assertTrue(updates.size() < 20, "40 errors coalesced into " + updates.size() + " ticket updates");
    for (int i = 1; i < updates.size(); i++) {
      assertTrue(updates.get(i).occurrenceCount() > updates.get(i - 1).occurrenceCount(), "running totals");
    }
  }

  @Test
  void aResolvedTicketIsNotReusedAndADifferentBugGetsItsOwnTicket() throws Exception {
    // Verifies that after the ticket is resolved the same error opens a new one (counting every error since, each
    // linked to it), and another bug another one.
    String user = "user-r-" + id();
    assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(id(), user, "Invoice 1 locked").encode()).statusCode());
    Await.until("first", WAIT,
        () -> count("SELECT count(*) FROM support_conversations WHERE user_id = " + q(user)) == 1);
    Await.until("linked", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE user_id = " + q(user)
        + " AND ticket_id IS NOT NULL") == 1);
    TestDatabase.exec(db, "UPDATE support_conversations SET status = 'resolved' WHERE user_id = " + q(user));
    // The cache still knows the resolved ticket: these errors are stored with its id and held for its count update,
    // which finds it resolved; they are taken off it and go round again to one new ticket that counts all three.
    for (int i = 2; i <= 4; i++) {
      assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(id(), user, "Invoice " + i + " locked").encode())
          .statusCode());
    }
    Await.until("reopened", WAIT, () -> count("SELECT count(*) FROM support_conversations WHERE user_id = " + q(user)
        + " AND status = 'open' AND occurrence_count = 3") == 1);
    Await.until("the three errors on the new ticket, the first on the resolved one", WAIT, () -> count(
        "SELECT count(*) FROM support_error_log l JOIN support_conversations c ON c.id = l.ticket_id WHERE l.user_id = "
            + q(user) + " AND c.status = 'open'") == 3 && count("SELECT count(*) FROM support_error_log l JOIN "
            + "support_conversations c ON c.id = l.ticket_id WHERE l.user_id = " + q(user)
            + " AND c.status = 'resolved'") == 1);
    JsonObject other = Webhooks.mcpError(id(), user, "Division not found");
    other.put("error_type", "DivisionNotFound");
    assertEquals(202, Webhooks.mcp(port, other.encode()).statusCode());
    Await.until("third", WAIT,
        () -> count("SELECT count(*) FROM support_conversations WHERE user_id = " + q(user)) == 3);
  }

  @Test
  void aDeletedTicketStillCachedDoesNotBlockStoring() throws Exception {
    // Verifies that when a cached open ticket is deleted, the next error of that pair is still stored (with the stale
    // ticket id: ticket_id is a plain reference), opens a new ticket (the ticket update finds no open ticket, so the
    // error goes round again) and ends up linked to the new ticket.
    String user = "user-del-" + id();
    assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(id(), user, "Ledger 1 closed").encode()).statusCode());
    Await.until("ticket", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE user_id = " + q(user)
        + " AND ticket_id IS NOT NULL") == 1);
    TestDatabase.exec(db, "DELETE FROM support_conversations WHERE user_id = " + q(user));
    String again = id();
    HttpResponse<String> r = Webhooks.mcp(port, Webhooks.mcpError(again, user, "Ledger 2 closed").encode());
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE event_id = " + q(again)));
    Await.until("new ticket", WAIT, () -> count("SELECT count(*) FROM support_conversations WHERE user_id = " + q(user)
        + " AND status = 'open'") == 1);
    Await.until("the error linked to the new ticket", WAIT, () -> count("SELECT count(*) FROM support_error_log l "
        + "JOIN support_conversations c ON c.id = l.ticket_id WHERE l.event_id = " + q(again)) == 1);
  }

  @Test
  void anErrorWithoutUserIsStoredWithoutTicket() throws Exception {
    // Verifies that an error without user_id is stored and acknowledged but opens no ticket.
    JsonObject o = Webhooks.mcpError(id(), null, "anonymous");
    o.remove("user_id");
    HttpResponse<String> r = Webhooks.mcp(port, o.encode());
    assertEquals(202, r.statusCode());
    // A marker error with a user, sent after the 202: the one auto-ticket verticle takes stored batches in order,
    // so once the marker is linked to its ticket, the anonymous error's ticket work is behind us.
    String user = "user-marker-" + id();
    String marker = id();
    assertEquals(202, Webhooks.mcp(port, Webhooks.mcpError(marker, user, "after the anonymous one").encode())
        .statusCode());
    Await.until("the marker linked to its ticket", WAIT, () -> count("SELECT count(*) FROM support_error_log WHERE "
        + "event_id = " + q(marker) + " AND ticket_id IS NOT NULL") == 1);
    assertNull(TestDatabase.queryLong(db, "SELECT count(ticket_id) FROM support_error_log WHERE event_id = "
        + q(new JsonObject(r.body()).getString("event_id"))) == 0 ? null : "linked");
  }

  // ---------------------------------------------------------------- metrics

  @Test
  void metricsShowOutcomesLatencyBucketsBatchSizesAndTickets() throws Exception {
    // Verifies the ingestion meters on /metrics: outcomes by source and reason, the ack latency and batch size as
    // Prometheus histogram buckets (aggregatable with histogram_quantile, no client-side quantiles), tickets.
    Webhooks.mcp(port, Webhooks.mcpError(id(), "user-m", "metric").encode());
    Webhooks.mcp(port, "nope");
    String text = Http.get(port, "/metrics").body();
    assertTrue(text.contains("supportpilot_ingest_events_total{outcome=\"accepted\",reason=\"none\",source=\"mcp\"}"),
        text);
    assertTrue(text.contains("supportpilot_ingest_events_total{outcome=\"rejected\",reason=\"malformed\",source=\"mcp\"}"));
    assertTrue(text.contains("supportpilot_ingest_ack_latency_seconds_bucket{source=\"mcp\",le=\"0.025\"}"), text);
    assertTrue(text.contains("supportpilot_ingest_ack_latency_seconds_bucket{source=\"mcp\",le=\"+Inf\"}"));
    assertFalse(text.contains("supportpilot_ingest_ack_latency_seconds{source=\"mcp\",quantile="),
        "no client-side quantiles");
    assertTrue(text.contains("supportpilot_ingest_batch_size_bucket{le=\"+Inf\"}"));
    assertTrue(text.contains("supportpilot_ingest_batch_size_count"));
    assertTrue(text.contains("supportpilot_ingest_in_flight"));
    assertTrue(text.contains("supportpilot_tickets_auto_total{kind=\"created\"}"));
    assertNotNull(text);
  }
}
