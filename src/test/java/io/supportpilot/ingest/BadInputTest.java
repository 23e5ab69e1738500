package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input over HTTP, end to end against a real engine and Postgres: what Postgres cannot store is refused with a
 * 400 that says why (never a 500 that makes senders retry forever), replays of signed requests are stored once, and
 * every route answers a request without Host with a 400.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BadInputTest {

  static Engine engine;
  static int port;
  static String db;

  @BeforeAll
  static void start() {
    db = TestDatabase.freshDatabase("BadInputTest");
    Map<String, String> env = TestEngine.env(db);
    env.put("AGENT_ENABLED", "false");
    engine = TestEngine.start(env);
    port = engine.port();
    TestDatabase.exec(db, "INSERT INTO users (id, email, language) VALUES ('u-nul', 'nul@example.nl', 'en')");
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  static long count(String sql) {
    return TestDatabase.queryLong(db, sql);
  }

  static String marker() {
    return "bad-input-" + UUID.randomUUID();
  }

  /** Sends the same signed bytes with the same headers (a replay or a sender's retry). */
  static HttpResponse<String> signed(String path, byte[] body, long ts, String contentType) {
    return Http.post(port, path, body, "Content-Type", contentType, "X-Timestamp", String.valueOf(ts),
        "X-Signature", Webhooks.mcpSignature(TestEngine.MCP_SECRET, ts, body));
  }

  static JsonObject json(HttpResponse<String> r) {
    return new JsonObject(r.body());
  }

  static void assert400(HttpResponse<String> r, String detailPart) {
    assertEquals(400, r.statusCode(), r.body());
    JsonObject o = json(r);
    assertEquals("bad_request", o.getString("error"), r.body());
    assertTrue(o.getString("detail").contains(detailPart), r.body());
  }

  // ---------------------------------------------------------------- generated ids (item 6)

  @Test
  void aReplayedSignedRequestWithoutEventIdIsStoredOnce() {
    // Verifies that the same signed request without event_id and occurred_at, sent three times, is one row
    // (202, 200, 200), while the same error signed at another time is a new event.
    String m = marker();
    byte[] body = new JsonObject().put("error_type", "ReplayError").put("message", m).encode()
        .getBytes(StandardCharsets.UTF_8);
    long ts = Webhooks.now();
    HttpResponse<String> first = signed(WebhookRoutes.MCP_PATH, body, ts, "application/json");
    assertEquals(202, first.statusCode(), first.body());
    HttpResponse<String> second = signed(WebhookRoutes.MCP_PATH, body, ts, "application/json");
    HttpResponse<String> third = signed(WebhookRoutes.MCP_PATH, body, ts, "application/json");
    assertEquals(200, second.statusCode(), second.body());
    assertEquals(200, third.statusCode(), third.body());
    assertEquals(json(first).getString("event_id"), json(third).getString("event_id"));
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE message = '" + m + "'"));
    HttpResponse<String> later = signed(WebhookRoutes.MCP_PATH, body, ts - 1, "application/json");
    assertEquals(202, later.statusCode(), later.body());
    assertEquals(2, count("SELECT count(*) FROM support_error_log WHERE message = '" + m + "'"));
  }

  @Test
  void anErrorDatedByItsBodyDedupesEvenWhenSignedAgain() {
    // Verifies that without event_id but with occurred_at, a retry signed with a fresh timestamp is still one row.
    String m = marker();
    byte[] body = new JsonObject().put("error_type", "RetryError").put("message", m)
        .put("occurred_at", "2026-11-30T10:00:00Z").encode().getBytes(StandardCharsets.UTF_8);
    long ts = Webhooks.now();
    assertEquals(202, signed(WebhookRoutes.MCP_PATH, body, ts, "application/json").statusCode());
    assertEquals(200, signed(WebhookRoutes.MCP_PATH, body, ts - 2, "application/json").statusCode());
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE message = '" + m + "'"));
  }

  @Test
  void identicalUndatedItemsInOneBatchAreTwoEventsAndAReplayedBatchIsStoredOnce() {
    // Verifies the batch id rule: two identical items without event_id/occurred_at are two events (their position
    // differs); replaying the same signed batch stores nothing again.
    String m = marker();
    String item = new JsonObject().put("error_type", "BatchReplay").put("message", m).encode();
    for (String contentType : new String[] {"application/json", "application/x-ndjson"}) {
      byte[] body = (contentType.endsWith("json") && !contentType.contains("nd")
          ? "[" + item + "," + item + "]" : item + "\n" + item + "\n").getBytes(StandardCharsets.UTF_8);
      long ts = Webhooks.now() - (contentType.contains("nd") ? 3 : 0);
      HttpResponse<String> r = signed(WebhookRoutes.MCP_BATCH_PATH, body, ts, contentType);
      assertEquals(202, r.statusCode(), r.body());
      assertEquals(2, json(r).getInteger("accepted"), r.body());
      HttpResponse<String> again = signed(WebhookRoutes.MCP_BATCH_PATH, body, ts, contentType);
      assertEquals(200, again.statusCode(), again.body());
      assertEquals(2, json(again).getInteger("duplicates"), again.body());
    }
    assertEquals(4, count("SELECT count(*) FROM support_error_log WHERE message = '" + m + "'"));
  }

  // ---------------------------------------------------------------- what jsonb and text refuse (items 7, 9)

  @Test
  void numbersPostgresCannotHoldAre400NotARetryLater() {
    // Verifies that a context number outside numeric, and NaN, get 400 naming the problem, and nothing is stored.
    String m = marker();
    HttpResponse<String> r = Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m
        + "\",\"context\":{\"n\":1e1000000}}");
    assert400(r, "out of range");
    assert400(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m + "\",\"context\":{\"n\":1e-20000}}"),
        "out of range");
    assertEquals(400, Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m
        + "\",\"context\":{\"n\":NaN}}").statusCode());
    assertEquals(400, Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m
        + "\",\"context\":{\"n\":-Infinity}}").statusCode());
    assertEquals(0, count("SELECT count(*) FROM support_error_log WHERE message = '" + m + "'"));
    HttpResponse<String> big = Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m
        + "\",\"context\":{\"n\":9e131071,\"s\":1e-16383}}");
    assertEquals(202, big.statusCode(), "the largest numbers numeric holds are stored: " + big.body());
  }

  @Test
  void loneSurrogatesAndInvalidUtf8AreRefusedNotStoredReplaced() {
    // Verifies that an unpaired surrogate escape in a message or the context, and invalid UTF-8 inside the
    // context (which the streaming parser only skips), are 400 instead of being stored as '?' or U+FFFD.
    String m = marker();
    assert400(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m + " \\ud800\"}"), "surrogate");
    assert400(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"" + m + "\",\"context\":{\"k\":\"\\udfff\"}}"),
        "surrogate");
    byte[] head = ("{\"error_type\":\"X\",\"message\":\"" + m + "\",\"context\":{\"k\":\"")
        .getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[head.length + 2 + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    body[head.length] = (byte) 0xed;
    body[head.length + 1] = (byte) 0xa0;
    System.arraycopy(tail, 0, body, head.length + 2, tail.length);
    assert400(Webhooks.mcp(port, WebhookRoutes.MCP_PATH, body, "application/json"), "UTF-8");
    assertEquals(0, count("SELECT count(*) FROM support_error_log WHERE message LIKE '" + m + "%'"));
    String pair = "{\"error_type\":\"X\",\"message\":\"" + m + " \\ud83d\\ude00\"}";
    assertEquals(202, Webhooks.mcp(port, pair).statusCode(), "a proper surrogate pair is an emoji");
  }

  @Test
  void oneUnstorableItemFailsOnlyItselfInAJsonArrayBatch() {
    // Verifies the 207 multi-status: a huge number and a lone surrogate fail their own items; the rest is stored.
    String m = marker();
    String good = new JsonObject().put("error_type", "X").put("message", m).put("event_id", m + "-ok").encode();
    String huge = "{\"error_type\":\"X\",\"message\":\"" + m + "\",\"event_id\":\"" + m
        + "-n\",\"context\":{\"n\":1e1000000}}";
    String lone = "{\"error_type\":\"X\",\"message\":\"" + m + "\\ud800\",\"event_id\":\"" + m + "-s\"}";
    byte[] body = ("[" + huge + "," + good + "," + lone + "]").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, body, "application/json");
    assertEquals(207, r.statusCode(), r.body());
    JsonArray results = json(r).getJsonArray("results");
    assertEquals(400, results.getJsonObject(0).getInteger("status"));
    assertTrue(results.getJsonObject(0).getString("detail").contains("out of range"), r.body());
    assertEquals(202, results.getJsonObject(1).getInteger("status"));
    assertEquals(400, results.getJsonObject(2).getInteger("status"));
    assertTrue(results.getJsonObject(2).getString("detail").startsWith("item [2]"), r.body());
    assertEquals(1, count("SELECT count(*) FROM support_error_log WHERE message LIKE '" + m + "%'"));
  }

  @Test
  void aLargeBatchParsedOffTheEventLoopGetsTheSameAnswers() {
    // Verifies the worker-thread path (bodies over 64 KiB): per-item results with a bad item, 401 for a wrong
    // signature, and the rows stored.
    String m = marker();
    StringBuilder ndjson = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      ndjson.append(i == 7 ? "{\"error_type\":\"X\",\"message\":\"" + m + " \\ud800\"}"
          : Webhooks.mcpError(m + "-" + i, "user-large", m + " " + "x".repeat(300)).encode()).append('\n');
    }
    byte[] body = ndjson.toString().getBytes(StandardCharsets.UTF_8);
    assertTrue(body.length > WebhookRoutes.INLINE_BODY_BYTES);
    HttpResponse<String> r = Webhooks.mcp(port, WebhookRoutes.MCP_BATCH_PATH, body, "application/x-ndjson");
    assertEquals(207, r.statusCode(), r.body());
    assertEquals(299, json(r).getInteger("accepted"));
    assertTrue(json(r).getJsonArray("results").getJsonObject(7).getString("detail").startsWith("line 8: "), r.body());
    assertEquals(299, count("SELECT count(*) FROM support_error_log WHERE event_id LIKE '" + m + "-%'"));
    long ts = Webhooks.now();
    assertEquals(401, Http.post(port, WebhookRoutes.MCP_BATCH_PATH, body, "Content-Type", "application/x-ndjson",
        "X-Timestamp", String.valueOf(ts), "X-Signature", Webhooks.mcpSignature("wrong", ts, body)).statusCode());
  }

  @Test
  void timestampsOutsideWhatPostgresStoresAsSentAre400() {
    // Verifies occurred_at beyond year 9999 (stored as infinity before) and a Sentry epoch of 1e300 (stored as
    // 1970 before) are 400 naming the field.
    assert400(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"occurred_at\":\"+5000000-01-01T00:00:00Z\"}"),
        "occurred_at");
    assert400(Webhooks.mcp(port, "{\"error_type\":\"X\",\"message\":\"m\",\"occurred_at\":\"-0001-01-01T00:00:00Z\"}"),
        "out of range");
    String sentry = "{\"action\":\"triggered\",\"data\":{\"event\":{\"event_id\":\"" + UUID.randomUUID().toString()
        .replace("-", "") + "\",\"timestamp\":1e300,\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"v\"}]}}}}";
    assert400(Webhooks.sentry(port, "event_alert", sentry), "timestamp");
  }

  @Test
  void parserLimitsAreExplainedInTheProductsWords() {
    // Verifies 400 details never quote the JSON library (StreamReadConstraints, REDACTED sources, class names).
    String deep = "{\"error_type\":\"X\",\"message\":\"m\",\"context\":" + "{\"a\":".repeat(40) + "1"
        + "}".repeat(40) + "}";
    String longString = "{\"error_type\":\"X\",\"message\":\"" + "x".repeat(300_000) + "\"}";
    String[][] cases = {{deep, "nests deeper than 32"}, {longString, "longer than"},
        {"{\"error_type\":\"X\",\"message\":\"m\"} {}", "after the"}, {"{\"error_type\":\"X\",", "ends"},
        {"{error_type:1}", "field name"}, {"{\"a\":tru}", "unknown word"},
        {"{\"n\":" + "1".repeat(200) + "}", "more than 100"}};
    for (String[] c : cases) {
      HttpResponse<String> r = Webhooks.mcp(port, c[0]);
      assertEquals(400, r.statusCode(), r.body());
      String detail = json(r).getString("detail");
      assertTrue(detail.contains(c[1]), detail);
      for (String internal : new String[] {"StreamReadConstraints", "REDACTED", "Source:", "jackson", "Jackson",
          "JsonNode", "DeserializationFeature", "(code "}) {
        assertFalse(detail.contains(internal), detail);
      }
    }
  }

  // ---------------------------------------------------------------- NUL and UTF-8 in URLs and API bodies (item 8)

  @Test
  void nulOrInvalidUtf8InAPathOrQueryIs400OnEveryApi() throws Exception {
    // Verifies %00 and percent-encoded bytes that are not UTF-8 in path segments and query values are 400.
    String[][] requests = {{"GET", "/api/admin/articles/%00"}, {"GET", "/api/admin/patterns/%00"},
        {"DELETE", "/api/admin/articles/a%00b"}, {"GET", "/api/support/conversations/%00?user_id=u1"},
        {"GET", "/api/support/conversations/" + UUID.randomUUID() + "?user_id=%00"},
        {"GET", "/api/admin/articles/%C3%28"}, {"GET", "/api/admin/articles?category=%FF"}};
    for (String[] req : requests) {
      String[] auth = req[1].startsWith("/api/support") ? Http.portal() : Http.admin();
      HttpResponse<String> r = Http.method(port, req[0], req[1], null, auth);
      assertEquals(400, r.statusCode(), req[1] + " -> " + r.body());
      assertEquals("bad_request", json(r).getString("error"));
    }
    String response = raw("GET /api/admin/articles/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + TestEngine.ADMIN_TOKEN + "\r\nConnection: close\r\n\r\n");
    assertTrue(response.startsWith("HTTP/1.1 400"), "a malformed escape is refused by the HTTP layer: " + response);
  }

  @Test
  void nulOrLoneSurrogatesInCustomerAndAdminBodiesAre400() {
    // Verifies a conversation message or article text with \u0000 or an unpaired surrogate is 400, not a 500.
    assert400(Http.post(port, "/api/support/conversations", "{\"user_id\":\"u-nul\",\"message\":\"hi\\u0000there\"}",
        Http.portal()), "NUL");
    assert400(Http.post(port, "/api/support/conversations", "{\"user_id\":\"u-nul\",\"message\":\"hi \\ud800\"}",
        Http.portal()), "surrogate");
    HttpResponse<String> ok = Http.post(port, "/api/support/conversations",
        "{\"user_id\":\"u-nul\",\"message\":\"How do I reconnect Exact Online?\"}", Http.portal());
    assertEquals(201, ok.statusCode(), ok.body());
    String id = json(ok).getString("id");
    assert400(Http.post(port, "/api/support/conversations/" + id + "/messages",
        "{\"user_id\":\"u-nul\",\"message\":\"again\\u0000\"}", Http.portal()), "NUL");
    assert400(Http.post(port, "/api/admin/articles", "{\"slug\":\"nul\",\"title\":\"t\\u0000\",\"content\":\"c\"}",
        Http.admin()), "NUL");
    assert400(Http.post(port, "/api/triage", "{\"body\":\"n\\u0000\"}", Http.admin()), "NUL");
    assert400(Http.post(port, "/api/admin/articles", "{\"slug\":\"big\",\"n\":1e1000000}", Http.admin()),
        "out of range");
    assertEquals(401, Http.post(port, "/api/support/conversations", "{\"message\":\"\\u0000\"}").statusCode(),
        "auth still comes first");
  }

  // ---------------------------------------------------------------- Host header (item 10)

  @Test
  void aRequestWithoutHostIs400OnEveryRoute() throws Exception {
    // Verifies that an HTTP/1.1 request without Host gets a JSON 400 on webhook, admin, ops and unknown routes.
    for (String line : new String[] {"GET /health HTTP/1.1", "GET /metrics HTTP/1.1",
        "POST /api/webhooks/mcp-error HTTP/1.1", "GET /api/admin/articles HTTP/1.1", "GET /nope HTTP/1.1",
        "POST /api/support/conversations HTTP/1.1"}) {
      String response = raw(line + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      assertTrue(response.startsWith("HTTP/1.1 400"), line + " -> " + response);
      assertTrue(response.contains("\"error\":\"bad_request\""), response);
      assertTrue(response.contains("Host header is required"), response);
    }
  }

  static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      byte[] b = new byte[4096];
      int n;
      while ((n = in.read(b)) > 0) {
        buf.write(b, 0, n);
      }
      return buf.toString(StandardCharsets.UTF_8);
    }
  }

  // ---------------------------------------------------------------- one port for all instances (item 19)

  @Test
  void allHttpInstancesShareTheOnePort() {
    // Verifies that with HTTP_PORT=0 and two instances both listen on the engine's one port (before, each bound
    // its own random port and only one event loop served).
    assertEquals(2, engine.httpPorts().size());
    Set<Integer> ports = new HashSet<>(engine.httpPorts());
    assertEquals(Set.of(port), ports);
    assertNotEquals(0, port);
  }
}
