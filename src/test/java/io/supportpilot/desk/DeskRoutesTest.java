package io.supportpilot.desk;

import static io.supportpilot.desk.DeskFixture.bearer;
import static io.supportpilot.desk.DeskFixture.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Auth per role on every new route, bad input answered 400/404/409, paging, customers and erasure. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeskRoutesTest {

  static String pg;
  static Engine engine;
  static int port;
  static String viewer;
  static String agent;
  static String admin;

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("DeskRoutesTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_ENABLED", "false"); // nobody answers: the tests move conversations themselves
    env.put("DESK_ROLLUP_INTERVAL", "200ms");
    engine = TestEngine.start(env);
    port = engine.port();
    viewer = DeskFixture.token(port, "vera", "viewer");
    agent = DeskFixture.token(port, "aron", "agent");
    admin = DeskFixture.token(port, "ada", "admin");
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  // Verifies token management: shown once, stored hashed, listed without secrets, admins only, revocation immediate.
  @Test
  void tokens() {
    HttpResponse<String> created = Http.post(port, "/api/admin/tokens", new JsonObject().put("name", "tim")
        .put("role", "viewer").encode(), bearer(admin));
    JsonObject tim = json(created, 201);
    String token = tim.getString("token");
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_tokens WHERE token_sha256 = '" + token
        + "'"), "the token itself is never stored");
    JsonObject list = json(Http.get(port, "/api/admin/tokens", bearer(admin)), 200);
    assertFalse(list.encode().contains(token));
    assertTrue(list.encode().contains("\"tim\""));
    assertEquals(new JsonObject().put("name", "tim").put("role", "viewer"),
        json(Http.get(port, "/api/admin/me", bearer(token)), 200));
    assertEquals(new JsonObject().put("name", "owner").put("role", "owner"),
        json(Http.get(port, "/api/admin/me", Http.admin()), 200));
    assertEquals(403, Http.get(port, "/api/admin/tokens", bearer(agent)).statusCode());
    assertEquals(403, Http.post(port, "/api/admin/tokens", new JsonObject().put("name", "x").put("role", "admin")
        .encode(), bearer(agent)).statusCode());
    assertEquals(409, Http.post(port, "/api/admin/tokens", new JsonObject().put("name", "tim").put("role", "agent")
        .encode(), bearer(admin)).statusCode());
    assertEquals("bad_request", json(Http.post(port, "/api/admin/tokens", new JsonObject().put("name", "y")
        .put("role", "root").encode(), bearer(admin)), 400).getString("error"));
    assertEquals(400, Http.post(port, "/api/admin/tokens", new JsonObject().put("name", "owner").put("role", "agent")
        .encode(), bearer(admin)).statusCode());
    assertEquals(204, Http.method(port, "DELETE", "/api/admin/tokens/" + tim.getString("id"), null, bearer(admin))
        .statusCode());
    assertEquals(401, Http.get(port, "/api/admin/me", bearer(token)).statusCode());
    assertEquals(404, Http.method(port, "DELETE", "/api/admin/tokens/" + tim.getString("id"), null, bearer(admin))
        .statusCode());
    assertEquals(401, Http.get(port, "/api/admin/me").statusCode());
    assertEquals(401, Http.get(port, "/api/admin/conversations", bearer("spt_not-a-token")).statusCode());
  }

  // Verifies the role each conversation route needs: viewers read, agents act, nobody without a token.
  @Test
  void rolesOnConversationRoutes() {
    String id = conversation("u-roles", "roles question");
    long v = version(id);
    assertEquals(401, Http.get(port, "/api/admin/conversations").statusCode());
    assertEquals(200, Http.get(port, "/api/admin/conversations", bearer(viewer)).statusCode());
    HttpResponse<String> detail = Http.get(port, "/api/admin/conversations/" + id, bearer(viewer));
    assertEquals(200, detail.statusCode());
    assertEquals("no-store", detail.headers().firstValue("Cache-Control").orElse(""), "account data is not cached");
    assertEquals("nosniff", detail.headers().firstValue("X-Content-Type-Options").orElse(""));
    String reply = new JsonObject().put("content", "hi").put("version", v).encode();
    for (String[] r : new String[][] {{"POST", "/replies", reply}, {"POST", "/notes", "{\"content\":\"n\"}"},
        {"PATCH", "", "{\"version\":0,\"priority\":\"high\"}"}, {"POST", "/claim", "{}"},
        {"POST", "/resolve", "{\"version\":0,\"resolution_summary\":\"s\"}"}}) {
      HttpResponse<String> denied = Http.method(port, r[0], "/api/admin/conversations/" + id + r[1], r[2],
          bearer(viewer));
      assertEquals(403, denied.statusCode(), r[0] + r[1]);
      assertEquals("forbidden", new JsonObject(denied.body()).getString("error"));
      assertEquals(401, Http.method(port, r[0], "/api/admin/conversations/" + id + r[1], r[2], "Content-Type",
          "application/json").statusCode());
    }
    assertEquals(201, Http.post(port, "/api/admin/conversations/" + id + "/replies", reply, bearer(agent))
        .statusCode());
    assertEquals(200, Http.get(port, "/api/admin/support/automation/metrics", bearer(viewer)).statusCode());
    assertEquals(200, Http.get(port, "/api/admin/support/automation/timeseries", bearer(viewer)).statusCode());
    assertEquals(401, Http.get(port, "/api/admin/support/automation/metrics").statusCode());
    assertEquals(403, Http.post(port, "/api/admin/articles", "{}", bearer(agent)).statusCode());
  }

  // Verifies that a path with dot segments cannot borrow a viewer-allowed prefix to reach an admin-only route
  // (the role check and the router must see the same path): it is refused with 400 and changes nothing.
  @Test
  void dotSegmentsCannotBypassTheRoleCheck() throws Exception {
    String article = "{\"slug\":\"viewer-pwn\",\"category\":\"data\",\"title_nl\":\"x\",\"title_en\":\"x\","
        + "\"content_nl\":\"x\",\"content_en\":\"x\",\"tags\":[],\"published\":true}";
    for (String path : new String[] {"/api/triage/../admin/articles", "/api/admin/support/automation/../../articles",
        "/api/admin/conversations/../articles", "/api/admin//articles"}) {
      String status = rawStatusLine(port, "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
          + viewer + "\r\nContent-Type: application/json\r\nContent-Length: "
          + article.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + article);
      assertTrue(status.startsWith("HTTP/1.1 400") || status.startsWith("HTTP/1.1 403"), path + ": " + status);
    }
    assertEquals(404, Http.get(port, "/api/admin/articles/viewer-pwn", Http.admin()).statusCode());
  }

  private static String rawStatusLine(int port, String request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8));
      String line = in.readLine();
      return line == null ? "" : line;
    }
  }

  // Verifies 400 for bad input, 404 for unknown conversations and 409 for stale versions and foreign claims.
  @Test
  void badInput() {
    String id = conversation("u-bad", "bad input question");
    long v = version(id);
    String base = "/api/admin/conversations/";
    assertEquals(404, Http.get(port, base + "nope", bearer(agent)).statusCode());
    assertEquals(404, Http.post(port, base + "nope/replies", new JsonObject().put("content", "x").put("version", 0)
        .encode(), bearer(agent)).statusCode());
    assertEquals(404, Http.post(port, base + "nope/notes", "{\"content\":\"x\"}", bearer(agent)).statusCode());
    assertEquals(404, Http.method(port, "PATCH", base + "nope", "{\"version\":0,\"priority\":\"low\"}",
        bearer(agent)).statusCode());
    assertEquals(404, Http.post(port, base + "nope/claim", "{}", bearer(agent)).statusCode());
    assertEquals(404, Http.post(port, base + "nope/resolve", "{\"version\":0,\"resolution_summary\":\"s\"}",
        bearer(agent)).statusCode());
    assertEquals(400, Http.post(port, base + id + "/replies", "{\"content\":\"x\"}", bearer(agent)).statusCode());
    assertEquals(400, Http.post(port, base + id + "/replies", "{\"version\":" + v + "}", bearer(agent))
        .statusCode());
    assertEquals(400, Http.post(port, base + id + "/replies", "not json", bearer(agent)).statusCode());
    assertEquals(400, Http.method(port, "PATCH", base + id, "{\"version\":" + v + ",\"status\":\"done\"}",
        bearer(agent)).statusCode());
    assertEquals(400, Http.method(port, "PATCH", base + id, "{\"version\":" + v + ",\"status\":\"resolved\"}",
        bearer(agent)).statusCode());
    assertEquals(400, Http.method(port, "PATCH", base + id, "{\"version\":" + v + ",\"priority\":\"asap\"}",
        bearer(agent)).statusCode());
    assertEquals(400, Http.method(port, "PATCH", base + id, "{\"version\":" + v + ",\"assigned_to\":\"ghost\"}",
        bearer(agent)).statusCode());
    assertEquals(400, Http.method(port, "PATCH", base + id, "{\"version\":" + v + "}", bearer(agent)).statusCode());
    assertEquals(409, Http.method(port, "PATCH", base + id, "{\"version\":" + (v + 7) + ",\"priority\":\"high\"}",
        bearer(agent)).statusCode());
    JsonObject changed = json(Http.method(port, "PATCH", base + id, "{\"version\":" + v
        + ",\"priority\":\"urgent\",\"status\":\"waiting_support\",\"assigned_to\":\"vera\"}", bearer(agent)), 200);
    assertEquals("urgent", changed.getString("priority"));
    assertEquals("vera", changed.getString("assigned_to"));
    assertEquals(v + 1, changed.getLong("version"));
    assertEquals(409, Http.post(port, base + id + "/claim", "{}", bearer(agent)).statusCode(), "vera has it");
    assertEquals(400, Http.post(port, base + id + "/resolve", new JsonObject().put("version", v + 1)
        .put("resolution_summary", "s").put("article_slug", "no-such-article").encode(), bearer(agent)).statusCode());
    assertEquals(400, Http.post(port, base + id + "/resolve", new JsonObject().put("version", v + 1).encode(),
        bearer(agent)).statusCode());
    json(Http.post(port, base + id + "/resolve", new JsonObject().put("version", v + 1)
        .put("resolution_summary", "fixed").encode(), bearer(agent)), 200);
    assertEquals(409, Http.post(port, base + id + "/resolve", new JsonObject().put("version", v + 2)
        .put("resolution_summary", "again").encode(), bearer(agent)).statusCode());
    assertEquals(400, Http.method(port, "PATCH", base + id, "{\"version\":" + (v + 2) + ",\"status\":\"escalated\"}",
        bearer(agent)).statusCode(), "resolved -> escalated is not a move");
    assertEquals(400, Http.get(port, "/api/admin/conversations?status=gone", bearer(viewer)).statusCode());
    assertEquals(400, Http.get(port, "/api/admin/support/automation/timeseries?hours=0", bearer(viewer))
        .statusCode());
  }

  // Verifies that two people replying at the same moment from the same version never both succeed: one reply is
  // stored, the other gets 409 and nothing of it is stored.
  @Test
  void concurrentRepliesOneWins() throws Exception {
    String id = conversation("u-race", "race question");
    long v = version(id);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      for (String who : new String[] {agent, admin}) {
        answers.add(pool.submit(() -> {
          go.await();
          return Http.post(port, "/api/admin/conversations/" + id + "/replies", new JsonObject()
              .put("content", "answer from " + who.substring(0, 8)).put("version", v).encode(), bearer(who))
              .statusCode();
        }));
      }
      go.countDown();
      Set<Integer> codes = new HashSet<>();
      for (java.util.concurrent.Future<Integer> f : answers) {
        codes.add(f.get(30, TimeUnit.SECONDS));
      }
      assertEquals(Set.of(201, 409), codes);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_messages WHERE conversation_id = '" + id
        + "' AND sender_type = 'admin'"));
    assertEquals(v + 1, version(id));
  }

  // Verifies that stored errors reach the dashboard's errors-per-minute series through the rollup job.
  @Test
  void errorsPerMinuteAreRolledUp() {
    // The rollup counts closed minutes after its watermark, and the watermark follows the clock: by the time this test
    // runs it may already be past a back-dated row. Store the rows first, then rewind the watermark to their minute
    // and drop the buckets from there on (the job then counts them again), in one transaction that first takes the
    // watermark's row lock as the job does: a run of the job is either wholly before it (and undone by it) or after
    // it (and sees the rows). Rewinding before storing let a run in between step over the rows (7 expected, 0 seen).
    TestDatabase.exec(pg, "INSERT INTO support_error_log (event_id, source, error_type, fingerprint, occurred_at, "
        + "created_at) SELECT 'roll' || g, 'mcp', 'RollError', 'fr', now(), date_trunc('minute', now()) - interval "
        + "'3 minutes' FROM generate_series(1, 7) g");
    try (Connection c = TestDatabase.connect(pg); Statement st = c.createStatement()) {
      c.setAutoCommit(false);
      st.execute("SELECT value FROM app_settings WHERE key = 'desk_error_rollup_until' FOR UPDATE");
      st.execute("DELETE FROM desk_rollup WHERE metric = 'errors' AND bucket >= (SELECT min(created_at) "
          + "FROM support_error_log WHERE event_id LIKE 'roll%')");
      st.execute("UPDATE app_settings SET value = (SELECT min(created_at) FROM support_error_log "
          + "WHERE event_id LIKE 'roll%')::text WHERE key = 'desk_error_rollup_until'");
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    long total = Await.value("the rollup counts the 7 errors (value: errors per minute summed)",
        Duration.ofSeconds(30), () -> {
          JsonObject series = json(Http.get(port, "/api/admin/support/automation/timeseries?hours=1",
              bearer(viewer)), 200);
          long sum = 0;
          for (Object o : series.getJsonArray("errors_per_minute")) {
            sum += ((JsonObject) o).getLong("count");
          }
          return sum;
        }, sum -> sum >= 7);
    assertEquals(7, total);
  }

  // Verifies keyset paging: every conversation exactly once across pages, in order, whatever the page size.
  @Test
  void paging() {
    Set<String> mine = new HashSet<>();
    for (int i = 0; i < 7; i++) {
      mine.add(conversation("u-pager", "page question " + i));
    }
    Set<String> seen = new HashSet<>();
    String cursor = null;
    String previous = null;
    int pages = 0;
    do {
      JsonObject page = json(Http.get(port, "/api/admin/conversations?user_id=u-pager&sort=created_at&limit=3"
          + (cursor == null ? "" : "&cursor=" + cursor), bearer(viewer)), 200);
      for (Object o : page.getJsonArray("items")) {
        JsonObject c = (JsonObject) o;
        assertTrue(seen.add(c.getString("id")), "no duplicates");
        assertTrue(previous == null || previous.compareTo(c.getString("created_at")) <= 0, "ascending");
        previous = c.getString("created_at");
      }
      cursor = page.getString("next_cursor");
      pages++;
    } while (cursor != null);
    assertEquals(mine, seen);
    assertEquals(3, pages);
  }

  // Verifies customers: upsert 201 then 200, placeholders completed, bad input 400, and erasure that redacts
  // messages and anonymises errors while keeping the counts.
  @Test
  void customersAndErasure() {
    String id = conversation("u-zoe", "my secret invoice 42");
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM users WHERE id = 'u-zoe' AND placeholder"));
    JsonObject completed = json(Http.method(port, "PUT", "/api/support/users/u-zoe", new JsonObject()
        .put("email", "zoe@example.com").put("name", "Zoe").put("plan", "pro").put("language", "en").encode(),
        Http.portal()), 200);
    assertEquals("pro", completed.getString("plan"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM users WHERE id = 'u-zoe' AND placeholder"));
    assertEquals(400, Http.method(port, "PUT", "/api/support/users/u-zoe", "{\"email\":\"nope\"}", Http.portal())
        .statusCode());
    assertEquals(400, Http.method(port, "PUT", "/api/support/users/u-zoe", "{\"language\":\"de\"}", Http.portal())
        .statusCode());
    assertEquals(401, Http.method(port, "PUT", "/api/support/users/u-zoe", "{}", "Content-Type", "application/json")
        .statusCode());
    assertEquals(401, Http.method(port, "PUT", "/api/support/users/u-zoe", "{}", Http.admin()).statusCode(),
        "the admin token is not the portal's");
    TestDatabase.exec(pg, "INSERT INTO support_error_log (event_id, source, user_id, error_type, message, "
        + "fingerprint, occurred_at) VALUES ('ez1', 'mcp', 'u-zoe', 'SyncError', 'zoe@example.com failed', 'fz', "
        + "now())");
    long conversations = TestDatabase.queryLong(pg, "SELECT count(*) FROM support_conversations");
    long errors = TestDatabase.queryLong(pg, "SELECT count(*) FROM support_error_log");
    assertEquals(204, Http.method(port, "DELETE", "/api/support/users/u-zoe", null, Http.portal()).statusCode());
    assertEquals(conversations, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_conversations"));
    assertEquals(errors, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_error_log"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM users WHERE id = 'u-zoe'"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_messages WHERE content LIKE "
        + "'%secret%'"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_error_log WHERE user_id = 'u-zoe' "
        + "OR message LIKE '%zoe%'"));
    JsonObject detail = json(Http.get(port, "/api/admin/conversations/" + id, bearer(viewer)), 200);
    assertFalse(detail.encode().contains("secret"));
    assertFalse(detail.encode().contains("u-zoe"));
    assertEquals(404, Http.method(port, "DELETE", "/api/support/users/u-zoe", null, Http.portal()).statusCode());
    JsonObject created = json(Http.method(port, "PUT", "/api/support/users/u-new", "{\"name\":\"New\"}",
        Http.portal()), 201);
    assertNull(created.getString("email"));
    assertEquals("nl", created.getString("language"));
  }

  private static String conversation(String user, String message) {
    return json(Http.post(port, "/api/support/conversations", new JsonObject().put("user_id", user)
        .put("message", message).encode(), Http.portal()), 201).getString("id");
  }

  private static long version(String id) {
    return json(Http.get(port, "/api/admin/conversations/" + id, Http.admin()), 200).getJsonObject("conversation")
        .getLong("version");
  }

}
