package io.supportpilot.devops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The DevOps agent without an Anthropic key: the analysis it can write from the Sentry data (top frames, first and
 * last seen, count, affected users) goes to Slack and the admin notifications, and no pull request is ever opened,
 * even with GitHub fully configured. Escalations written by the support agent are worked the same way.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DevopsOfflineTest {

  static final Duration WAIT = Duration.ofSeconds(60);
  static FakeGitHub github;
  static FakeSentry sentry;
  static DevopsFixtures.FakeSlack slack;
  static String pg;
  static Engine engine;

  @BeforeAll
  static void start() {
    github = new FakeGitHub(DevopsFixtures.REPO, DevopsFixtures.FILES);
    sentry = new FakeSentry().issue("5001", FakeSentry.issueJson("5001", "TypeError: Cannot read properties of "
        + "undefined (reading 'value')", "syncInvoices(src/sync/invoices)", 12, 3), FakeSentry.eventJson("ev5001",
        "TypeError", "Cannot read properties of undefined (reading 'value')", DevopsFixtures.frames()));
    slack = new DevopsFixtures.FakeSlack();
    pg = TestDatabase.freshDatabase("DevopsOfflineTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("AGENT_ENABLED", "false");
    env.put("SENTRY_API_TOKEN", FakeSentry.TOKEN);
    env.put("SENTRY_BASE_URL", sentry.url());
    env.put("GITHUB_TOKEN", FakeGitHub.TOKEN);
    env.put("GITHUB_API_URL", github.url());
    env.put("GITHUB_REPOSITORY", DevopsFixtures.REPO);
    env.put("SLACK_WEBHOOK_URL", slack.url());
    env.put("DEVOPS_SCAN_INTERVAL", "300ms");
    engine = TestEngine.start(env);
  }

  @AfterAll
  static void stop() {
    engine.stop();
    github.close();
    sentry.close();
    slack.close();
  }

  // Verifies that without a key a Sentry issue leads to an offline analysis with the Sentry facts in Slack and in
  // the admin notifications, one offline run, and no write at GitHub.
  @Test
  void offlineAnalysisFromSentryDataAndNoPullRequest() {
    assertEquals(202, DevopsFixtures.sentry(engine.port(), "issue", DevopsFixtures.issueWebhook("5001", "created",
        "error")).statusCode());
    Await.until("the offline analysis in Slack", WAIT, () -> slack.texts.stream().anyMatch(s -> s.contains("5001")));
    String text = slack.texts.stream().filter(s -> s.contains("5001")).findFirst().orElseThrow();
    assertTrue(text.contains("syncInvoices (src/sync/invoices.ts:5)"), text);
    assertTrue(text.contains("handleToolCall (src/tools/router.ts:41)"), text);
    assertTrue(text.contains("12 events, 3 affected users"), text);
    assertTrue(text.contains("first seen 2026-11-30T08:00:00") && text.contains("last seen 2026-12-01T05:00:00"), text);
    assertTrue(text.contains("no Anthropic API key"), text);
    assertTrue(sentry.received().contains("GET /api/0/issues/5001/events/latest/"), sentry.received().toString());
    Await.until("the task done", WAIT, () -> TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE "
        + "dedupe_key = 'sentry:5001' AND status = 'done' AND outcome = 'notified'") == 1);
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_runs r JOIN devops_tasks t "
        + "ON t.id = r.task_id WHERE r.mode = 'offline' AND t.dedupe_key = 'sentry:5001'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE kind = "
        + "'devops_analysis' AND details->'analysis'->>'mode' = 'offline' AND details->'analysis'->>'sentry_url' LIKE '%5001%'"));
    assertEquals(0, github.received().stream().filter(r -> r.method() != HttpMethod.GET).count());
    assertTrue(github.pulls().isEmpty());
  }

  // Verifies that a task written by the support agent's escalate_to_devops (no bus message: the scan finds it) is
  // worked and the humans get the analysis.
  @Test
  void escalationTaskIsWorked() {
    TestDatabase.exec(pg, "INSERT INTO devops_tasks (id, type, error_type, details) VALUES ('esc-1', "
        + "'support_escalation', 'ExactRateLimit', '{\"summary\": \"Customers hit 429 from Exact on every sync\", "
        + "\"source\": \"support_agent\", \"user_id\": \"u-1\"}')");
    Await.until("the escalation done", WAIT, () -> TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE "
        + "id = 'esc-1' AND status = 'done'") == 1);
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE id = 'esc-1' AND "
        + "dedupe_key = 'type:ExactRateLimit'"));
    Await.until("the Slack note", WAIT, () -> slack.texts.stream().anyMatch(s -> s.contains("ExactRateLimit")));
  }
}
