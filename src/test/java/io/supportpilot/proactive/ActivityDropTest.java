package io.supportpilot.proactive;

import io.supportpilot.testing.MovableClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Plan 3.3 with a moved clock and usage that arrives through the signed webhook: the plan's case opens one
 * activity_drop ticket with its errors; a free user, a new user and a weekday-only user on Monday do not.
 */
@Timeout(180)
class ActivityDropTest {

  /** A Monday, 10:00 in Amsterdam. */
  static final Instant MONDAY = Instant.parse("2026-11-30T09:00:00Z");
  static String pg;
  static Engine engine;
  static int port;
  static MovableClock clock;

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("ActivityDropTest");
    clock = MovableClock.at(MONDAY);
    Map<String, String> env = ProactiveFixture.env(pg, 2525);
    env.put("USAGE_RETENTION", "60d");
    engine = ProactiveFixture.start(env, clock);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  /** Posts {@code perDay} calls a day at {@code firstHour}:00 UTC onwards, every 5 minutes, on the chosen days. */
  static void usage(String user, LocalDate from, LocalDate to, int perDay, int firstHour, boolean weekdaysOnly) {
    StringBuilder ndjson = new StringBuilder();
    int n = 0;
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      if (weekdaysOnly && (d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY)) {
        continue;
      }
      for (int i = 0; i < perDay; i++) {
        Instant at = d.atTime(firstHour, 0).toInstant(ZoneOffset.UTC).plus(Duration.ofMinutes(5L * i));
        ndjson.append(ProactiveFixture.call(user + "-" + n++, user, i % 2 == 0 ? "get_invoices" : "create_entry",
            "ok", at)).append('\n');
      }
    }
    HttpResponse<String> r = ProactiveFixture.usage(port, clock, ndjson.toString(), "application/x-ndjson");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(n, new JsonObject(r.body()).getInteger("accepted"), r.body());
  }

  static void error(String user, String at) {
    TestDatabase.exec(pg, "INSERT INTO support_error_log (event_id, source, user_id, tool, error_type, error_code, "
        + "message, fingerprint, occurred_at, created_at) VALUES ('e-" + user + "', 'mcp', '" + user + "', "
        + "'get_invoices', 'ExactApiError', 'invalid_grant', 'refresh failed for " + user + "', 'fp-" + user + "', '"
        + at + "', '" + at + "')");
  }

  // Verifies the rule: a paying user active every day (156 calls in 30 days), silent since Thursday and with an error
  // just before gets one activity_drop ticket (system, open, errors attached) on Monday; the same usage on the free
  // plan, a user whose history is a week old and a weekday-only user silent since Friday morning get none; the next
  // scan opens nothing new; on Wednesday the weekday-only user has missed two usual days and is flagged.
  @Test
  void flagsThePlansCaseButNotFreeNewOrWeekdayOnMonday() {
    ProactiveFixture.user(port, "u-daily", "daily@example.nl", "pro", "nl");
    ProactiveFixture.user(port, "u-free", "free@example.nl", "free", "nl");
    ProactiveFixture.user(port, "u-new", "new@example.com", "pro", "en");
    ProactiveFixture.user(port, "u-weekday", "weekday@example.com", "business", "en");
    usage("u-daily", LocalDate.of(2026, 10, 28), LocalDate.of(2026, 11, 26), 6, 9, false);
    usage("u-free", LocalDate.of(2026, 10, 28), LocalDate.of(2026, 11, 26), 6, 9, false);
    usage("u-new", LocalDate.of(2026, 11, 20), LocalDate.of(2026, 11, 26), 25, 9, false);
    usage("u-weekday", LocalDate.of(2026, 10, 26), LocalDate.of(2026, 11, 27), 10, 7, true);
    error("u-daily", "2026-11-26T13:30:00Z");
    error("u-free", "2026-11-26T13:30:00Z");
    error("u-new", "2026-11-26T13:30:00Z");
    error("u-weekday", "2026-11-27T07:40:00Z");
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM api_usage_daily WHERE user_id = 'u-daily'"));


    JsonObject mondayScan = ProactiveFixture.scan(port);
    // The scan first rolled up every acknowledged call (until then the rollups did not have them).
    assertTrue(mondayScan.getLong("usage_calls_rolled_up") > 0, mondayScan.encode());
    assertEquals(180, TestDatabase.queryLong(pg, "SELECT sum(calls) FROM api_usage_daily WHERE user_id = 'u-daily'"));
    JsonObject monday = mondayScan.getJsonObject("activity_drop");
    assertEquals(1L, monday.getLong("tickets"), monday.encode());
    // Daily and weekday users pass the plan's own gate (paying, silent 3+ days, enough history): the baseline decides.
    assertEquals(2L, monday.getLong("silent_candidates"), monday.encode());
    JsonArray drops = ProactiveFixture.queue(port, "category=activity_drop");
    assertEquals(1, drops.size(), drops.encode());
    JsonObject ticket = drops.getJsonObject(0);
    assertEquals("u-daily", ticket.getString("user_id"));
    assertEquals("system", ticket.getString("handled_by"));
    assertEquals("open", ticket.getString("status"));
    JsonObject detail = ProactiveFixture.detail(port, ticket.getString("id"));
    String text = detail.getJsonArray("messages").getJsonObject(0).getString("content");
    assertTrue(text.contains("ExactApiError (invalid_grant): refresh failed for u-daily"), text);
    assertTrue(text.contains("156"), text);
    assertEquals(1L, TestDatabase.queryLong(pg, "SELECT jsonb_array_length(details -> 'errors') FROM "
        + "proactive_activity_drops WHERE user_id = 'u-daily'"));
    for (String quiet : new String[] {"u-free", "u-new", "u-weekday"}) {
      assertEquals(0, ProactiveFixture.queue(port, "category=activity_drop&user_id=" + quiet).size(), quiet);
    }

    clock.advance(Duration.ofHours(2));
    assertEquals(0L, ProactiveFixture.scan(port).getJsonObject("activity_drop").getLong("tickets"));

    clock.advance(Duration.ofDays(2));
    JsonObject wednesday = ProactiveFixture.scan(port).getJsonObject("activity_drop");
    assertEquals(1L, wednesday.getLong("tickets"), wednesday.encode());
    assertEquals(1, ProactiveFixture.queue(port, "category=activity_drop&user_id=u-weekday").size());
    assertEquals(1, ProactiveFixture.queue(port, "category=activity_drop&user_id=u-daily").size());
    assertEquals(0, ProactiveFixture.queue(port, "category=activity_drop&user_id=u-free").size());
    assertEquals(0, ProactiveFixture.queue(port, "category=activity_drop&user_id=u-new").size());
  }
}
