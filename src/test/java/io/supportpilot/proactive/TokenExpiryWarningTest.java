package io.supportpilot.proactive;

import io.supportpilot.testing.MovableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/** Plan 3.1 with a moved clock: warned once, not twice, again after a refresh; expired notices; the metrics. */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TokenExpiryWarningTest {

  static final Instant START = Instant.parse("2026-11-02T10:00:00Z");
  static String pg;
  static Engine engine;
  static int port;
  static GreenMail smtp;
  static MovableClock clock;

  @BeforeAll
  static void start() {
    smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    smtp.start();
    pg = TestDatabase.freshDatabase("TokenExpiryWarningTest");
    clock = MovableClock.at(START);
    engine = ProactiveFixture.start(ProactiveFixture.env(pg, smtp.getSmtp().getPort()), clock);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    engine.stop();
    smtp.stop();
  }

  // Verifies that a connection 6 days from its effective expiry (refresh token last used 24 days ago, 30-day
  // inactivity) is warned once: a system conversation (high, connection, Dutch subject of the plan), a system message
  // with the expiry and the re-auth link, an e-mail through SMTP; a second scan sends nothing; a refresh counts as
  // prevented (metrics) and after a new approach to expiry the connection is warned again.
  @Test
  @Order(2)
  void warnsOnceAndAgainAfterRefresh() throws Exception {
    ProactiveFixture.user(port, "u-nl", "anna@example.nl", "pro", "nl");
    HttpResponse<String> put = ProactiveFixture.connection(port, "u-nl", "conn-nl", START.minus(Duration.ofDays(24)));
    assertEquals(201, put.statusCode(), put.body());
    assertEquals(START.plus(Duration.ofDays(6)).toString(), new JsonObject(put.body()).getString("effective_expires_at"));

    JsonObject first = ProactiveFixture.scan(port);
    assertEquals(false, first.getBoolean("skipped"), first.encode());
    assertEquals(1L, first.getJsonObject("token_expiry").getLong("warned"), first.encode());
    assertEquals(1, first.getInteger("emails_sent"), first.encode());

    JsonArray items = ProactiveFixture.queue(port, "user_id=u-nl&handled_by=system");
    assertEquals(1, items.size(), items.encode());
    JsonObject conv = items.getJsonObject(0);
    assertEquals("Je Exact Online verbinding verloopt binnenkort", conv.getString("subject"));
    assertEquals("high", conv.getString("priority"));
    assertEquals("connection", conv.getString("category"));
    JsonObject detail = ProactiveFixture.detail(port, conv.getString("id"));
    JsonObject message = detail.getJsonArray("messages").getJsonObject(0);
    assertEquals("system", message.getString("sender_type"));
    String text = message.getString("content");
    assertTrue(text.contains("8 november 2026 om 11:00"), text);
    assertTrue(text.contains("https://portal.example.test/connections/conn-nl/reauth?token="), text);

    MimeMessage[] mails = smtp.getReceivedMessages();
    assertEquals(1, mails.length);
    assertEquals("Je Exact Online verbinding verloopt binnenkort", mails[0].getSubject());
    assertEquals("anna@example.nl", mails[0].getAllRecipients()[0].toString());
    String body = GreenMailUtil.getBody(mails[0]);
    assertTrue(body.contains("https://portal.example.test/connections/conn-nl/reauth?token="), body);

    // The next scan (an hour later) warns nobody.
    clock.advance(Duration.ofHours(1));
    JsonObject second = ProactiveFixture.scan(port);
    assertEquals(0L, second.getJsonObject("token_expiry").getLong("warned"), second.encode());
    assertEquals(1, smtp.getReceivedMessages().length);
    assertEquals(1, ProactiveFixture.queue(port, "user_id=u-nl&handled_by=system").size());

    // Two days later the customer's assistant uses the connection: the refresh token is replaced, expiry moves on.
    clock.advance(Duration.ofDays(2));
    assertEquals(200, ProactiveFixture.connection(port, "u-nl", "conn-nl", clock.instant()).statusCode());
    JsonObject third = ProactiveFixture.scan(port);
    assertEquals(1L, third.getJsonObject("token_expiry").getLong("prevented"), third.encode());
    assertEquals(0L, third.getJsonObject("token_expiry").getLong("warned"), third.encode());
    JsonObject closed = ProactiveFixture.detail(port, conv.getString("id")).getJsonObject("conversation");
    assertEquals("closed", closed.getString("status"));

    HttpResponse<String> m = Http.get(port, "/api/admin/support/automation/metrics", Http.admin());
    JsonObject metrics = new JsonObject(m.body());
    // The metrics cover the last 24 hours: the prevention is in them, the warning of two days ago is not.
    assertEquals(0L, metrics.getJsonObject("proactive").getLong("token_warnings_sent"), m.body());
    assertEquals(1L, metrics.getJsonObject("proactive").getLong("issues_prevented"), m.body());
    assertFalse(metrics.getJsonArray("not_yet_measured").contains("proactive.token_warnings_sent"));
    assertFalse(metrics.getJsonArray("not_yet_measured").contains("proactive.issues_prevented"));

    // Unused for 24 more days: the new expiry is 6 days away and the connection is warned again.
    clock.advance(Duration.ofDays(24));
    JsonObject fourth = ProactiveFixture.scan(port);
    assertEquals(1L, fourth.getJsonObject("token_expiry").getLong("warned"), fourth.encode());
    assertEquals(2, smtp.getReceivedMessages().length);
    assertEquals(2, ProactiveFixture.queue(port, "user_id=u-nl&handled_by=system").size());
    metrics = new JsonObject(Http.get(port, "/api/admin/support/automation/metrics", Http.admin()).body());
    assertEquals(1L, metrics.getJsonObject("proactive").getLong("token_warnings_sent"), metrics.encode());
    assertEquals(0L, ProactiveFixture.scan(port).getJsonObject("token_expiry").getLong("warned"));
    assertEquals(2, smtp.getReceivedMessages().length);
  }

  // Verifies that a connection whose refresh token already lapsed gets the distinct "expired" notice in the customer's
  // language (English here), once, and that a connection far from expiry gets nothing.
  @Test
  @Order(3)
  void expiredConnectionGetsExpiredNoticeOnce() {
    ProactiveFixture.user(port, "u-en", "bob@example.com", "pro", "en");
    ProactiveFixture.user(port, "u-fresh", "fresh@example.com", "pro", "en");
    assertEquals(201, ProactiveFixture.connection(port, "u-en", "conn-en",
        clock.instant().minus(Duration.ofDays(31))).statusCode());
    assertEquals(201, ProactiveFixture.connection(port, "u-fresh", "conn-fresh", clock.instant()).statusCode());
    int mailsBefore = smtp.getReceivedMessages().length;
    JsonObject r = ProactiveFixture.scan(port);
    assertEquals(1L, r.getJsonObject("token_expiry").getLong("expired_notices"), r.encode());
    JsonArray items = ProactiveFixture.queue(port, "user_id=u-en&handled_by=system");
    assertEquals(1, items.size(), items.encode());
    assertEquals("Your Exact Online connection has expired", items.getJsonObject(0).getString("subject"));
    String text = ProactiveFixture.detail(port, items.getJsonObject(0).getString("id")).getJsonArray("messages")
        .getJsonObject(0).getString("content");
    assertTrue(text.contains("has expired") && text.contains("/connections/conn-en/reauth?token="), text);
    assertEquals(0, ProactiveFixture.queue(port, "user_id=u-fresh&handled_by=system").size());
    assertEquals(mailsBefore + 1, smtp.getReceivedMessages().length);
    assertEquals(0L, ProactiveFixture.scan(port).getJsonObject("token_expiry").getLong("expired_notices"));
    assertEquals(mailsBefore + 1, smtp.getReceivedMessages().length);
  }

  // Verifies the connection API's checks: the portal token, a connection id fit for a link, ISO timestamps, and
  // that a connection of one user cannot be taken over through another user's path. (Revoked connections: the
  // scans of the other tests leave them alone.)
  @Test
  @Order(1)
  void connectionApiRefusesBadInput() {
    String path = "/api/support/users/u-x/connections/conn-x";
    String ok = new JsonObject().put("status", "revoked").put("refresh_token_last_used_at", "2026-11-01T00:00:00Z")
        .encode();
    assertEquals(401, Http.method(port, "PUT", path, ok, "Content-Type", "application/json").statusCode());
    assertEquals(400, Http.method(port, "PUT", "/api/support/users/u-x/connections/bad%20id", ok, Http.portal())
        .statusCode());
    HttpResponse<String> badTime = Http.method(port, "PUT", path,
        new JsonObject().put("refresh_token_last_used_at", "yesterday").encode(), Http.portal());
    assertEquals(400, badTime.statusCode());
    assertTrue(new JsonObject(badTime.body()).getString("detail").contains("refresh_token_last_used_at"));
    for (String far : new String[] {"+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z"}) {
      assertEquals(400, Http.method(port, "PUT", path, new JsonObject().put("refresh_token_expires_at", far).encode(),
          Http.portal()).statusCode(), far);
    }
    assertEquals(400, Http.method(port, "PUT", path, new JsonObject().put("status", "sleepy").encode(), Http.portal())
        .statusCode());
    assertEquals(201, Http.method(port, "PUT", path, ok, Http.portal()).statusCode());
    HttpResponse<String> takeover = Http.method(port, "PUT", "/api/support/users/u-y/connections/conn-x", ok,
        Http.portal());
    assertEquals(409, takeover.statusCode(), takeover.body());
    // The explicit expiry wins when it is earlier than last use + inactivity.
    HttpResponse<String> explicit = Http.method(port, "PUT", path, new JsonObject()
        .put("status", "revoked").put("refresh_token_expires_at", "2026-11-10T00:00:00Z").encode(), Http.portal());
    assertEquals(200, explicit.statusCode());
    assertEquals("2026-11-10T00:00:00Z", new JsonObject(explicit.body()).getString("effective_expires_at"));
  }
}
