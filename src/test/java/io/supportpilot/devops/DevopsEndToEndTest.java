package io.supportpilot.devops;

import static io.supportpilot.agent.FakeAnthropic.message;
import static io.supportpilot.agent.FakeAnthropic.ok;
import static io.supportpilot.agent.FakeAnthropic.text;
import static io.supportpilot.agent.FakeAnthropic.toolUse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.agent.FakeAnthropic;
import io.supportpilot.testing.Await;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The DevOps agent end to end: a signed Sentry webhook, the task, the Claude tool loop at the fake Anthropic API,
 * Sentry and GitHub at their fakes, and a draft PR or a Slack analysis; a storm of one issue costs one run.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevopsEndToEndTest {

  static final Duration WAIT = Duration.ofSeconds(60);
  static final String PR_ISSUE = "4711";
  static final String LOW_ISSUE = "4712";
  static final String STORM_ISSUE = "4713";

  static FakeAnthropic anthropic;
  static FakeGitHub github;
  static FakeSentry sentry;
  static DevopsFixtures.FakeSlack slack;
  static String pg;
  static Engine engine;
  static int port;
  static final Set<String> toolErrors = ConcurrentHashMap.newKeySet();
  static final Map<String, Integer> firstTurns = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    anthropic = new FakeAnthropic().fallback(DevopsEndToEndTest::script);
    github = new FakeGitHub(DevopsFixtures.REPO, DevopsFixtures.FILES);
    sentry = new FakeSentry();
    for (String id : List.of(PR_ISSUE, LOW_ISSUE, STORM_ISSUE)) {
      sentry.issue(id, FakeSentry.issueJson(id, "TypeError: Cannot read properties of undefined (reading 'value')",
          "syncInvoices(src/sync/invoices)", 12, 3), FakeSentry.eventJson("ev" + id, "TypeError",
          "Cannot read properties of undefined (reading 'value')", DevopsFixtures.frames()));
    }
    slack = new DevopsFixtures.FakeSlack();
    pg = TestDatabase.freshDatabase("DevopsEndToEndTest");
    Map<String, String> env = TestEngine.env(pg);
    env.put("ANTHROPIC_API_KEY", FakeAnthropic.KEY);
    env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
    env.put("ANTHROPIC_REQUESTS_PER_SECOND", "50");
    env.put("AGENT_ENABLED", "false");
    env.put("SENTRY_API_TOKEN", FakeSentry.TOKEN);
    env.put("SENTRY_BASE_URL", sentry.url());
    env.put("SENTRY_ORGANIZATION", "acme");
    env.put("GITHUB_TOKEN", FakeGitHub.TOKEN);
    env.put("GITHUB_API_URL", github.url());
    env.put("GITHUB_REPOSITORY", DevopsFixtures.REPO);
    env.put("SLACK_WEBHOOK_URL", slack.url());
    env.put("DEVOPS_PR_POLL_INTERVAL", "300ms");
    env.put("DEVOPS_SCAN_INTERVAL", "1s");
    engine = TestEngine.start(env);
    port = engine.port();
  }

  @AfterAll
  static void stop() {
    engine.stop();
    anthropic.close();
    github.close();
    sentry.close();
    slack.close();
  }

  /** The model's side: read the issue, search, read the file, then decide by the issue (PR, or notify). */
  static FakeAnthropic.Step script(JsonObject req) {
    JsonArray msgs = req.getJsonArray("messages");
    String first = msgs.getJsonObject(0).getJsonArray("content").getJsonObject(0).getString("text");
    if (!req.getString("system", "").contains("DevOps agent")) {
      return ok(message("end_turn", text("not for me")));
    }
    String issue = first.contains(PR_ISSUE) ? PR_ISSUE : first.contains(LOW_ISSUE) ? LOW_ISSUE
        : first.contains(STORM_ISSUE) ? STORM_ISSUE : "other";
    FakeAnthropic.lastToolResults(req).forEach(r -> {
      JsonObject o = (JsonObject) r;
      if (o.getBoolean("is_error", false)) {
        toolErrors.add(issue + ": " + o.getString("content"));
      }
    });
    switch (msgs.size()) {
      case 1:
        firstTurns.merge(issue, 1, Integer::sum);
        return ok(message("tool_use", text("Reading the issue."),
            toolUse("t1", "get_sentry_issue", new JsonObject().put("issue_id", issue))));
      case 3:
        return ok(message("tool_use", toolUse("t2", "search_code", new JsonObject().put("query", "syncInvoices"))));
      case 5:
        return ok(message("tool_use", toolUse("t3", "get_file", new JsonObject().put("path", DevopsFixtures.FILE))));
      case 7:
        JsonObject analysis = new JsonObject()
            .put("root_cause", "syncInvoices reads token.value while conn.refreshToken is undefined after a revoked "
                + "connection (src/sync/invoices.ts line 5).")
            .put("fix_approach", "Guard the missing refresh token and raise ReauthRequired, which the router maps "
                + "to a re-auth prompt.")
            .put("impact", "12 events, 3 users since 30 Nov; invoice sync fails for revoked connections.")
            .put("title", "Handle a missing refresh token in syncInvoices");
        if (PR_ISSUE.equals(issue)) {
          return ok(message("tool_use", toolUse("t4", "create_fix_pr", analysis.put("confidence", 0.95)
              .put("files", new JsonArray().add(new JsonObject().put("path", DevopsFixtures.FILE)
                  .put("content", DevopsFixtures.FIXED))))));
        }
        return ok(message("tool_use", toolUse("t4", "notify_human", analysis.put("confidence", 0.6))));
      default:
        return ok(message("end_turn", text("Done.")));
    }
  }

  static JsonObject task(String key) {
    return engine.context().pool().preparedQuery("SELECT id, status, outcome, pr_url, pr_state, pr_branch, analysis "
        + "FROM devops_tasks WHERE dedupe_key = $1").execute(io.vertx.sqlclient.Tuple.of(key)).map(rows -> {
          if (rows.size() == 0) {
            return (JsonObject) null;
          }
          var r = rows.iterator().next();
          return new JsonObject().put("id", r.getString("id")).put("status", r.getString("status"))
              .put("outcome", r.getString("outcome")).put("pr_url", r.getString("pr_url"))
              .put("pr_state", r.getString("pr_state")).put("pr_branch", r.getString("pr_branch"));
        }).await();
  }

  static JsonObject metrics() {
    return new JsonObject(Http.get(port, "/api/admin/support/automation/metrics", Http.admin()).body());
  }

  // Verifies that a signed Sentry issue webhook (new, level error) leads through the tool loop to a draft PR at the
  // fake GitHub: branch under the prefix from main, one commit with the fixed file, a body with the analysis and the
  // Sentry link, the task linked to it, a Slack note, no merge, no secret in any prompt; and the metrics count it.
  @Test
  @Order(1)
  void sentryIssueBecomesDraftPullRequest() {
    assertEquals(202, DevopsFixtures.sentry(port, "issue", DevopsFixtures.issueWebhook(PR_ISSUE, "created", "error"))
        .statusCode());
    Await.until("the draft PR", WAIT, () -> !github.pulls().isEmpty());
    JsonObject pr = github.pulls().get(0);
    String branch = "supportpilot/fix/sentry-" + PR_ISSUE;
    assertTrue(pr.getBoolean("draft"));
    assertEquals("main", pr.getJsonObject("base").getString("ref"));
    assertEquals(branch, pr.getJsonObject("head").getString("ref"));
    assertEquals("fix: Handle a missing refresh token in syncInvoices", pr.getString("title"));
    String body = pr.getString("body");
    assertTrue(body.contains("### Root cause") && body.contains("conn.refreshToken is undefined"), body);
    assertTrue(body.contains("### Fix approach") && body.contains("### Impact"), body);
    assertTrue(body.contains("**Confidence:** 0.95"), body);
    assertTrue(body.contains("https://acme.sentry.io/issues/" + PR_ISSUE + "/"), body);
    assertEquals(DevopsFixtures.FIXED, github.file(branch, DevopsFixtures.FILE));
    assertEquals(DevopsFixtures.BUGGY, github.file("main", DevopsFixtures.FILE));
    assertEquals(List.of("fix: Handle a missing refresh token in syncInvoices"), github.commitsAhead(branch));
    assertEquals(0, github.mergeAttempts());

    Await.until("the task linked to the PR", WAIT, () -> {
      JsonObject t = task("sentry:" + PR_ISSUE);
      return t != null && pr.getString("html_url").equals(t.getString("pr_url"));
    });
    JsonObject t = task("sentry:" + PR_ISSUE);
    assertEquals("in_progress", t.getString("status"));
    assertEquals("pr_opened", t.getString("outcome"));
    assertEquals("open", t.getString("pr_state"));
    Await.until("the Slack note", WAIT, () -> slack.texts.stream().anyMatch(s -> s.contains(pr.getString("html_url"))));
    // Admins read the task with its PR and analysis.
    JsonArray items = new JsonObject(Http.get(port, "/api/admin/devops/tasks?status=in_progress", Http.admin())
        .body()).getJsonArray("items");
    assertTrue(items.stream().anyMatch(o -> pr.getString("html_url").equals(((JsonObject) o).getString("pr_url"))));
    JsonObject one = new JsonObject(Http.get(port, "/api/admin/devops/tasks/" + t.getString("id"), Http.admin())
        .body());
    assertEquals(0.95, one.getJsonObject("analysis").getDouble("confidence"));
    assertEquals(PR_ISSUE, one.getJsonObject("details").getString("issue_id"));
    assertEquals(401, Http.get(port, "/api/admin/devops/tasks").statusCode());
    assertEquals(400, Http.get(port, "/api/admin/devops/tasks?status=bogus", Http.admin()).statusCode());
    assertEquals(400, Http.get(port, "/api/admin/devops/tasks?limit=0", Http.admin()).statusCode());
    assertEquals(404, Http.get(port, "/api/admin/devops/tasks/nope", Http.admin()).statusCode());
    assertTrue(toolErrors.stream().noneMatch(e -> e.startsWith(PR_ISSUE)), toolErrors.toString());
    assertTrue(anthropic.violations().isEmpty(), anthropic.violations().toString());
    // The breadcrumb carried a bearer token: it never reached a prompt.
    assertTrue(anthropic.received().stream().noneMatch(r -> r.body().encode().contains("abcdefghijklmnop1234")));
    assertTrue(anthropic.received().stream().anyMatch(r -> r.body().encode().contains("[redacted]")));
    // The fakes were spoken to correctly: nothing refused apart from the probing of the branch name.
    assertTrue(github.refusals().stream().allMatch(r -> r.contains("Branch not found")), github.refusals().toString());
    assertTrue(sentry.refusals().isEmpty(), sentry.refusals().toString());
    assertTrue(sentry.received().contains("GET /api/0/organizations/acme/issues/" + PR_ISSUE + "/events/latest/"));

    JsonObject d = metrics().getJsonObject("devops_agent");
    assertEquals(1, d.getLong("prs_created"));
    assertEquals(0, d.getLong("prs_merged"));
    assertTrue(d.getLong("invocations_24h") >= 1);
    assertFalse(metrics().getJsonArray("not_yet_measured").contains("devops_agent.prs_merged"));
    // The DevOps agent's Claude calls are not counted as support-agent invocations.
    assertTrue(TestDatabase.queryLong(pg, "SELECT count(*) FROM claude_calls WHERE purpose = 'devops'") >= 5);
    assertEquals(0, metrics().getJsonObject("support_agent").getLong("invocations_24h"));

    github.merge(pr.getInteger("number"));
    Await.until("the merge seen by the follow-up", WAIT, () -> metrics().getJsonObject("devops_agent")
        .getLong("prs_merged") == 1);
    JsonObject done = task("sentry:" + PR_ISSUE);
    assertEquals("done", done.getString("status"));
    assertEquals("merged", done.getString("pr_state"));
  }

  // Verifies that an analysis with confidence 0.6 goes to Slack (and the admin notifications) and opens no PR.
  @Test
  @Order(2)
  void lowConfidenceNotifiesWithoutPullRequest() {
    int before = github.pulls().size();
    assertEquals(202, DevopsFixtures.sentry(port, "issue", DevopsFixtures.issueWebhook(LOW_ISSUE, "created", "fatal"))
        .statusCode());
    Await.until("the task done", WAIT, () -> {
      JsonObject t = task("sentry:" + LOW_ISSUE);
      return t != null && "done".equals(t.getString("status"));
    });
    assertEquals("notified", task("sentry:" + LOW_ISSUE).getString("outcome"));
    Await.until("the Slack analysis", WAIT, () -> slack.texts.stream().anyMatch(s -> s.contains("Confidence: 0.60")));
    String text = slack.texts.stream().filter(s -> s.contains("Confidence: 0.60")).findFirst().orElseThrow();
    assertTrue(text.contains("Root cause: syncInvoices reads token.value"), text);
    assertTrue(text.contains("Fix approach: ") && text.contains("Impact: 12 events"), text);
    assertTrue(text.contains("https://acme.sentry.io/issues/" + LOW_ISSUE + "/"), text);
    assertEquals(before, github.pulls().size());
    assertFalse(github.branches().stream().anyMatch(b -> b.contains(LOW_ISSUE)));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM admin_notifications WHERE kind = "
        + "'devops_analysis' AND details->>'task_id' = '" + task("sentry:" + LOW_ISSUE).getString("id") + "'"));
  }

  // Verifies that a storm of 500 alerts of one issue makes one task and one agent run (one first model turn).
  @Test
  @Order(3)
  void stormOfOneIssueIsOneTaskAndOneRun() {
    for (int i = 0; i < 500; i++) {
      int status = DevopsFixtures.sentry(port, "event_alert", DevopsFixtures.eventAlert(STORM_ISSUE, "error"))
          .statusCode();
      assertEquals(202, status);
    }
    Await.until("all 500 stored", WAIT, () -> TestDatabase.queryLong(pg, "SELECT count(*) FROM support_error_log WHERE "
        + "context->'sentry'->>'issue_id' = '" + STORM_ISSUE + "'") == 500);
    Await.until("the storm's task done", WAIT, () -> {
      JsonObject t = task("sentry:" + STORM_ISSUE);
      return t != null && "done".equals(t.getString("status"));
    });
    // Give late events a chance to (wrongly) start another task. Negative check with no later event to await:
    // a marker alert would itself start a task and an agent run, which this test counts.
    Await.quietPeriod(Duration.ofMillis(1500), "no second task or run for the storm");
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE dedupe_key = 'sentry:"
        + STORM_ISSUE + "'"));
    assertEquals(1, TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_runs r JOIN devops_tasks t ON "
        + "t.id = r.task_id WHERE t.dedupe_key = 'sentry:" + STORM_ISSUE + "'"));
    assertEquals(1, firstTurns.get(STORM_ISSUE));
    // The storm is also an error spike without a pattern: its task is covered by the Sentry task, not worked again.
    assertEquals(0, TestDatabase.queryLong(pg, "SELECT count(*) FROM devops_tasks WHERE type = 'error_spike' "
        + "AND outcome IS DISTINCT FROM 'covered'"));
    assertEquals(null, firstTurns.get("other"));
  }
}
