package io.supportpilot.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.Secrets;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.MovableClock;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The learning loop against a real engine and Postgres, with a clock the test moves: the statistics, each trigger
 * of plan 4.1-4.3 with its boundaries, the review (approve, edit, reject) and the metrics counts. Jobs run through
 * {@code POST /api/admin/learning/run}; their schedules are set far apart so nothing runs by itself.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LearningLoopTest {

  static String pg;
  static Engine engine;
  static int port;
  static final MovableClock CLOCK = MovableClock.followingNow();

  @BeforeAll
  static void start() {
    pg = TestDatabase.freshDatabase("LearningLoopTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_ENABLED", "false");
    env.put("LEARNING_INTERVAL", "1h");
    env.put("LEARNING_OPTIMISE_INTERVAL", "1h");
    env.put("LEARNING_STATS_FLUSH", "1h");
    engine = Engine.start(ConfigLoader.load(env), Secrets.from(env), CLOCK);
    port = engine.port();
    TestDatabase.exec(pg, article("sync-stuck", "Synchronisatie blijft hangen", "Synchronisation stuck",
        "Start de synchronisatie opnieuw vanuit het portaal.", "Restart the synchronisation from the portal."),
        article("vat-number", "Btw-nummer", "VAT number", "Vul het btw-nummer zonder punten in.",
            "Enter the VAT number without dots, or the checkout rejects it."));
  }

  @AfterAll
  static void stop() {
    engine.stop();
  }

  // Verifies that triggers are counted exactly once per (conversation, pattern) under concurrent publishing, that
  // resolutions count for rating >= 4 or no human, and that the average satisfaction follows the ratings.
  @Test
  void statisticsAreExact() throws Exception {
    pattern("stat-p", "vat-number", 0.85, 0, 0, true);
    for (int i = 0; i < 40; i++) {
      conversation("stat-c" + i, "en", "VAT question " + i, "resolved", i < 10 ? Integer.valueOf(5) : i < 20 ? Integer.valueOf(2) : null,
          i >= 30 ? "ai" : "human", null);
    }
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 40; i++) {  // every conversation published by every thread: counted once each
          engine.vertx().eventBus().publish(Addresses.PATTERNS_TRIGGERED, new JsonObject()
              .put("conversation_id", "stat-c" + i).put("pattern_ids", new JsonArray().add("stat-p").add("gone")));
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    // The learning verticle counts the buffered triggers when a run flushes them: run until all 40 conversations
    // are counted (a run before the bus has delivered every message leaves the rest for the next run).
    long triggered = Await.value("the 40 triggered conversations counted (value: times_triggered)",
        Duration.ofSeconds(30), () -> {
          run(false);
          return TestDatabase.queryLong(pg, "SELECT times_triggered FROM support_patterns WHERE id = 'stat-p'");
        }, n -> n >= 40);
    assertEquals(40, triggered);
    // 10 rated 5, 10 handled by the AI (status resolved) -> 20 resolutions; the 10 rated 2 by a human are not.
    assertEquals(20, TestDatabase.queryLong(pg, "SELECT times_resolved FROM support_patterns WHERE id = 'stat-p'"));
    assertEquals(350, TestDatabase.queryLong(pg,
        "SELECT round(avg_satisfaction * 100) FROM support_patterns WHERE id = 'stat-p'")); // (10*5 + 10*2) / 20 = 3.5
    run(false);
    assertEquals(20, TestDatabase.queryLong(pg, "SELECT times_resolved FROM support_patterns WHERE id = 'stat-p'"),
        "a second run counts nothing twice");
  }

  // Verifies 4.3 at the boundaries: exactly 20 triggers / exactly 0.3 stay, 21 triggers below 0.3 deactivate with
  // a notification; exactly 50 / exactly 0.9 stay, above lowers by 0.1; the floor 0.5; one step per cooldown (the
  // clock moves 8 days for the next step); a revert restores the pattern and is not redone.
  @Test
  void optimisationThresholds() {
    pattern("opt-20", "sync-stuck", 0.85, 20, 0, true);
    pattern("opt-21", "sync-stuck", 0.85, 21, 6, true);
    pattern("opt-03", "sync-stuck", 0.85, 30, 9, true);
    pattern("opt-50", "sync-stuck", 0.85, 50, 50, true);
    pattern("opt-09", "sync-stuck", 0.85, 60, 54, true);
    pattern("opt-hi", "sync-stuck", 0.65, 100, 99, true);
    pattern("opt-floor", "sync-stuck", 0.5, 100, 100, true);
    JsonObject summary = run(true);
    JsonArray changes = summary.getJsonArray("pattern_changes");
    assertEquals(2, changes.stream().filter(c -> ((JsonObject) c).getString("pattern_id").startsWith("opt-"))
        .count(), changes.encode());
    assertFalse(bool("SELECT active FROM support_patterns WHERE id = 'opt-21'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM support_patterns WHERE id = 'opt-21' "
        + "AND deactivation_reason = 'low_effectiveness'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE kind = "
        + "'pattern_deactivated' AND details->>'pattern_id' = 'opt-21'"));
    for (String same : new String[] {"opt-20", "opt-03", "opt-50", "opt-09"}) {
      assertTrue(bool("SELECT active AND min_confidence = 0.85 FROM support_patterns WHERE id = '" + same + "'"),
          same);
    }
    assertEquals(55, minConfidence100("opt-hi"));
    assertEquals(50, minConfidence100("opt-floor"));

    run(true);
    assertEquals(55, minConfidence100("opt-hi"), "one step per cooldown");
    CLOCK.advance(Duration.ofDays(8));
    run(true);
    assertEquals(50, minConfidence100("opt-hi"), "next period: 0.55 -> 0.5 (floor)");
    CLOCK.advance(Duration.ofDays(8));
    run(true);
    assertEquals(50, minConfidence100("opt-hi"), "never below 0.5");

    long change = TestDatabase.queryLong(pg, "SELECT id FROM learning_pattern_changes WHERE pattern_id = 'opt-21'");
    JsonObject reverted = json(Http.post(port, "/api/admin/learning/changes/" + change + "/revert", "{}",
        Http.admin()), 200);
    assertTrue(reverted.getJsonObject("before").getBoolean("active"));
    assertTrue(bool("SELECT active FROM support_patterns WHERE id = 'opt-21'"));
    json(Http.post(port, "/api/admin/learning/changes/" + change + "/revert", "{}", Http.admin()), 409);
    CLOCK.advance(Duration.ofDays(8));
    run(true);
    assertTrue(bool("SELECT active FROM support_patterns WHERE id = 'opt-21'"), "a reverted change is not redone");
    json(Http.get(port, "/api/admin/learning/changes?pattern_id=opt-hi", Http.admin()), 200);
  }

  // Verifies 4.1: a resolution rated 4 with an article nothing covers becomes a pending suggestion (keywords in
  // both languages, a compiling regex, the article, its source) and a notification; rated 3 teaches nothing; a
  // known pattern's resolution updates that pattern instead; approve (edited) makes it live; reject with a
  // reason stops the same suggestion from coming back.
  @Test
  void resolutionsBecomeReviewedPatterns() {
    conversation("r-1", "en", "Synchronisation stuck since this morning", "resolved", 4, "human", "sync-stuck");
    message("r-1", "admin", "I restarted the synchronisation from the portal.");
    conversation("r-low", "en", "Synchronisation keeps hanging", "resolved", 3, "human", "sync-stuck");
    run(false);
    JsonArray items = json(Http.get(port, "/api/admin/suggestions?kind=pattern", Http.admin()), 200)
        .getJsonArray("items");
    JsonObject s = only(items, "r-1");
    assertEquals("pending_review", s.getString("status"));
    JsonObject p = s.getJsonObject("payload");
    assertEquals("sync-stuck", p.getString("article_slug"));
    assertTrue(p.getJsonArray("keywords_en").contains("synchronisation"), p.encode());
    assertTrue(p.getJsonArray("keywords_nl").contains("synchronisatie"), p.encode());
    Pattern.compile(p.getString("regex"));
    assertEquals("Synchronisation stuck since this morning", s.getJsonArray("sources").getJsonObject(0)
        .getString("subject"));
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM learning_suggestions WHERE 'r-low' = "
        + "ANY(source_conversations)"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE kind = "
        + "'new_pattern_suggestion' AND details->>'conversation_id' = 'r-1'"));
    JsonObject metrics = json(Http.get(port, "/api/admin/support/automation/metrics", Http.admin()), 200);
    assertTrue(metrics.getJsonObject("suggestions").getLong("pending_patterns") >= 1);
    assertFalse(metrics.getJsonArray("not_yet_measured").contains("suggestions.pending_patterns"));

    // Approve with an edit: live at once, and the triage dry run sees it.
    long id = s.getLong("id");
    json(Http.post(port, "/api/admin/suggestions/" + id + "/approve", new JsonObject().put("edits",
        new JsonObject().put("bogus", 1)).encode(), Http.admin()), 400);
    JsonObject approved = json(Http.post(port, "/api/admin/suggestions/" + id + "/approve", new JsonObject()
        .put("edits", new JsonObject().put("min_confidence", 0.8)).encode(), Http.admin()), 200);
    assertEquals("approved", approved.getString("status"));
    JsonObject live = json(Http.get(port, "/api/admin/patterns/" + approved.getString("result_id"), Http.admin()),
        200);
    assertTrue(live.getBoolean("active"));
    assertEquals(0.8, live.getDouble("min_confidence"));
    json(Http.post(port, "/api/admin/suggestions/" + id + "/approve", "{}", Http.admin()), 409);

    // A later resolution like the live pattern counts for it instead of a new suggestion.
    conversation("r-2", "en", "Synchronisation stuck again", "resolved", 5, "human", "sync-stuck");
    run(false);
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM learning_pattern_triggers WHERE conversation_id"
        + " = 'r-2' AND pattern_id = '" + approved.getString("result_id") + "' AND resolved_counted"));

    // Reject: the same finding does not come back.
    conversation("r-3", "en", "VAT number rejected at checkout", "resolved", 5, "human", "vat-number");
    run(false);
    JsonObject vat = only(json(Http.get(port, "/api/admin/suggestions?kind=pattern", Http.admin()), 200)
        .getJsonArray("items"), "r-3");
    json(Http.post(port, "/api/admin/suggestions/" + vat.getLong("id") + "/reject", "{}", Http.admin()), 400);
    JsonObject rejected = json(Http.post(port, "/api/admin/suggestions/" + vat.getLong("id") + "/reject",
        new JsonObject().put("reason", "too generic").encode(), Http.admin()), 200);
    assertEquals("too generic", rejected.getString("reject_reason"));
    conversation("r-4", "en", "VAT number rejected at checkout page", "resolved", 5, "human", "vat-number");
    JsonObject result = run(false);
    assertEquals(1, result.getJsonObject("resolutions").getInteger("like_rejected"), result.encode());
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM learning_suggestions WHERE 'r-4' = "
        + "ANY(source_conversations)"));
    json(Http.get(port, "/api/admin/suggestions?status=bogus", Http.admin()), 400);
    HttpResponse<String> anonymous = Http.get(port, "/api/admin/suggestions");
    assertEquals(401, anonymous.statusCode());
  }

  // Verifies 4.2: two similar human-answered resolutions make no draft; the third does (rate 1.0 >= 0.8), with
  // Dutch and English content from the human answers and its sources; approving publishes it as auto-generated.
  @Test
  void patternEffectivenessReachesTheAutomationMetrics() {
    // Verifies that the learning loop's pattern statistics feed the plan's patterns.* metrics: the average over
    // active triggered patterns, the best ranked ones first, and a weak one (below 0.5) under needs_attention.
    TestDatabase.exec(pg, article("metric-art", "Metriek", "Metric", "Inhoud.", "Content."));
    pattern("metric-strong", "metric-art", 0.8, 100, 100, true);
    pattern("metric-weak", "metric-art", 0.8, 40, 2, true);
    pattern("metric-off", "metric-art", 0.8, 40, 0, false);
    JsonObject patterns = json(Http.get(port, "/api/admin/support/automation/metrics", Http.admin()), 200)
        .getJsonObject("patterns");
    double expectedAvg = TestDatabase.queryLong(pg, "SELECT round(10000 * avg(times_resolved::float8 / times_triggered))"
        + " FROM support_patterns WHERE active AND times_triggered > 0") / 10_000.0;
    assertEquals(expectedAvg, patterns.getDouble("avg_effectiveness"), 0.0002);
    JsonObject best = patterns.getJsonArray("top_performing").getJsonObject(0);
    assertEquals(1.0, best.getDouble("effectiveness"), 1e-9, patterns.encode());
    boolean weakListed = false;
    for (Object o : patterns.getJsonArray("needs_attention")) {
      JsonObject w = (JsonObject) o;
      assertTrue(w.getDouble("effectiveness") < 0.5, patterns.encode());
      assertFalse("metric-off".equals(w.getString("id")), "an inactive pattern needs no attention");
      weakListed |= "metric-weak".equals(w.getString("id"));
    }
    assertTrue(weakListed || patterns.getJsonArray("needs_attention").size() == 5, patterns.encode());
  }

  @Test
  void repeatedAnswersBecomeArticleDrafts() {
    for (int i = 1; i <= 2; i++) {
      conversation("d-" + i, "nl", "Exportbestand grootboek leeg " + i, "resolved", null, "human", null);
      message("d-" + i, "admin", "Kies eerst het boekjaar en dan de export van het grootboek.");
    }
    JsonObject first = run(false);
    assertTrue(first.getJsonArray("article_drafts").isEmpty(), first.encode());
    conversation("d-3", "en", "Exportbestand grootboek leeg", "resolved", 5, "human", null);
    message("d-3", "admin", "Pick the financial year first, then export the ledger.");
    JsonObject second = run(false);
    assertEquals(1, second.getJsonArray("article_drafts").size(), second.encode());
    JsonObject draft = json(Http.get(port, "/api/admin/suggestions?kind=article", Http.admin()), 200)
        .getJsonArray("items").getJsonObject(0);
    JsonObject p = draft.getJsonObject("payload");
    assertFalse(p.getBoolean("published"));
    assertTrue(p.getBoolean("auto_generated"));
    assertTrue(p.getString("content_nl").contains("boekjaar"));
    assertTrue(p.getString("content_en").contains("financial year"));
    assertEquals(3, draft.getJsonArray("source_conversations").size());
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE kind = "
        + "'new_article_draft'"));
    assertTrue(run(false).getJsonArray("article_drafts").isEmpty(), "the same group makes no second draft");
    JsonObject approved = json(Http.post(port, "/api/admin/suggestions/" + draft.getLong("id") + "/approve",
        new JsonObject().put("edits", new JsonObject().put("slug", "ledger-export-empty")).encode(), Http.admin()),
        200);
    assertEquals("ledger-export-empty", approved.getString("result_id"));
    assertTrue(bool("SELECT published AND auto_generated AND cardinality(source_conversations) = 3 FROM "
        + "knowledge_articles WHERE slug = 'ledger-export-empty'"));
  }

  // ---- helpers

  private static JsonObject run(boolean optimise) {
    return json(Http.post(port, "/api/admin/learning/run?optimise=" + optimise, "{}", Http.admin()), 200);
  }

  private static JsonObject only(JsonArray items, String source) {
    for (Object o : items) {
      JsonObject s = (JsonObject) o;
      if (s.getJsonArray("source_conversations").contains(source)) {
        return s;
      }
    }
    throw new AssertionError("no suggestion from " + source + " in " + items.encode());
  }

  private static long minConfidence100(String id) {
    return TestDatabase.queryLong(pg, "SELECT round(min_confidence * 100) FROM support_patterns WHERE id = '" + id
        + "'");
  }

  private static boolean bool(String sql) {
    return TestDatabase.queryLong(pg, "SELECT (" + sql + ")::int") == 1;
  }

  private static String article(String slug, String titleNl, String titleEn, String nl, String en) {
    return "INSERT INTO knowledge_articles (slug, category, title_nl, title_en, content_nl, content_en) VALUES ('"
        + slug + "', 'general', '" + titleNl + "', '" + titleEn + "', '" + nl + "', '" + en + "')";
  }

  private static void pattern(String id, String slug, double min, int triggered, int resolved, boolean active) {
    TestDatabase.exec(pg, "INSERT INTO support_patterns (id, name, keywords, article_slug, min_confidence, active, "
        + "times_triggered, times_resolved) VALUES ('" + id + "', '" + id + "', '{" + id + "}', '" + slug + "', " + min
        + ", " + active + ", " + triggered + ", " + resolved + ")");
  }

  private static void conversation(String id, String lang, String subject, String status, Integer rating,
      String handledBy, String articleSlug) {
    TestDatabase.exec(pg, "INSERT INTO support_conversations (id, user_id, subject, status, language, "
        + "satisfaction_rating, handled_by, resolved_article_slug, resolved_at, created_at) VALUES ('" + id
        + "', 'u-" + id + "', '" + subject + "', '" + status + "', '" + lang + "', " + rating + ", '" + handledBy
        + "', " + (articleSlug == null ? "NULL" : "'" + articleSlug + "'") + ", now(), now())");
    message(id, "customer", subject);
  }

  private static void message(String conversation, String sender, String content) {
    TestDatabase.exec(pg, "INSERT INTO support_messages (conversation_id, sender_type, content) VALUES ('"
        + conversation + "', '" + sender + "', '" + content + "')");
  }

  private static JsonObject json(HttpResponse<String> r, int status) {
    if (r.statusCode() != status) {
      throw new AssertionError("expected " + status + " but got " + r.statusCode() + ": " + r.body());
    }
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }

}
