package io.supportpilot.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** The admin notifications API: list with filters and pages, mark read, roles, and clear 400s for bad input. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotificationApiTest {

  static Engine engine;
  static String pg;
  static int port;

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("NotificationApiTest");
    engine = TestEngine.start(TestEngine.env(pg));
    port = engine.port();
    StringBuilder sql = new StringBuilder("INSERT INTO admin_notifications (kind, title, details) VALUES ");
    for (int i = 1; i <= 7; i++) {
      sql.append(i > 1 ? ", " : "").append("('").append(i % 2 == 0 ? "escalation" : "error_spike")
          .append("', 'n").append(i).append("', '{\"n\": ").append(i).append("}')");
    }
    TestDatabase.exec(pg, sql.toString());
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  static JsonObject get(String query, String... headers) {
    HttpResponse<String> r = Http.get(port, "/api/admin/notifications" + query, headers);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  static String token(String name, String role) {
    HttpResponse<String> r = Http.post(port, "/api/admin/tokens", new JsonObject().put("name", name)
        .put("role", role).encode(), Http.admin());
    assertEquals(201, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("token");
  }

  static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token, "Content-Type", "application/json"};
  }

  @Test
  @Order(1)
  void listsFiltersPagesAndMarksRead() {
    // Verifies that notifications come newest first with the unread count, filter by kind and unread, page with
    // next_before, that marking one read shows in read_at and the count, and that read-all marks up to an id.
    JsonObject all = get("", Http.admin());
    JsonArray list = all.getJsonArray("notifications");
    assertEquals(7, list.size());
    assertEquals("n7", list.getJsonObject(0).getString("title"));
    assertEquals(7, list.getJsonObject(0).getJsonObject("details").getInteger("n"));
    assertNull(list.getJsonObject(0).getValue("read_at"));
    assertEquals(7L, all.getLong("unread"));
    assertFalse(all.containsKey("next_before"), "one page holds them all");

    JsonObject page = get("?limit=3", Http.admin());
    assertEquals(3, page.getJsonArray("notifications").size());
    long next = page.getLong("next_before");
    JsonObject second = get("?limit=3&before=" + next, Http.admin());
    assertEquals("n4", second.getJsonArray("notifications").getJsonObject(0).getString("title"));

    JsonArray escalations = get("?kind=escalation", Http.admin()).getJsonArray("notifications");
    assertEquals(3, escalations.size());
    escalations.forEach(o -> assertEquals("escalation", ((JsonObject) o).getString("kind")));

    long newest = list.getJsonObject(0).getLong("id");
    HttpResponse<String> one = Http.post(port, "/api/admin/notifications/" + newest + "/read", "", Http.admin());
    assertEquals(200, one.statusCode(), one.body());
    assertNotNull(new JsonObject(one.body()).getString("read_at"));
    JsonObject unread = get("?unread=true", Http.admin());
    assertEquals(6, unread.getJsonArray("notifications").size());
    assertEquals(6L, unread.getLong("unread"));

    long oldestId = list.getJsonObject(6).getLong("id");
    HttpResponse<String> some = Http.post(port, "/api/admin/notifications/read",
        new JsonObject().put("up_to", oldestId + 1).encode(), Http.admin());
    assertEquals(200, some.statusCode(), some.body());
    assertEquals(2, new JsonObject(some.body()).getInteger("marked"));
    HttpResponse<String> rest = Http.post(port, "/api/admin/notifications/read", "", Http.admin());
    assertEquals(200, rest.statusCode(), rest.body());
    assertEquals(4, new JsonObject(rest.body()).getInteger("marked"));
    assertEquals(0L, get("", Http.admin()).getLong("unread"));
    assertTrue(get("?unread=true", Http.admin()).getJsonArray("notifications").isEmpty());
  }

  @Test
  @Order(2)
  void rolesAuthAndBadInput() {
    // Verifies that a viewer reads but cannot mark, an agent marks, no token is a 401, an unknown id is a 404, and
    // bad query values and bodies are 400s naming the problem (never a 500).
    String viewer = token("notes-viewer", "viewer");
    String agent = token("notes-agent", "agent");
    assertEquals(200, Http.get(port, "/api/admin/notifications", bearer(viewer)).statusCode());
    assertEquals(403, Http.post(port, "/api/admin/notifications/read", "", bearer(viewer)).statusCode());
    assertEquals(200, Http.post(port, "/api/admin/notifications/read", "", bearer(agent)).statusCode());
    assertEquals(401, Http.get(port, "/api/admin/notifications").statusCode());
    assertEquals(404, Http.post(port, "/api/admin/notifications/999999/read", "", Http.admin()).statusCode());
    for (String q : new String[] {"?limit=0", "?limit=201", "?limit=x", "?before=-1", "?before=0", "?unread=yes",
        "?kind=DROP%20TABLE", "?before=99999999999999999999"}) {
      HttpResponse<String> r = Http.get(port, "/api/admin/notifications" + q, Http.admin());
      assertEquals(400, r.statusCode(), q + " " + r.body());
      assertTrue(new JsonObject(r.body()).containsKey("detail"), r.body());
    }
    assertEquals(400, Http.post(port, "/api/admin/notifications/abc/read", "", Http.admin()).statusCode());
    for (String body : new String[] {"{\"up_to\": \"7\"}", "{\"up_to\": -1}", "{\"up_to\": 1.5}", "{\"all\": true}",
        "[1]", "{"}) {
      HttpResponse<String> r = Http.post(port, "/api/admin/notifications/read", body, Http.admin());
      assertEquals(400, r.statusCode(), body + " " + r.body());
    }
  }
}
