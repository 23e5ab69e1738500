package io.supportpilot.devops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The GitHub and Sentry clients and the fix safety rails against the local fakes: refusals of the APIs (auth,
 * existing refs, missing blob sha, PRs without commits), rate limits honoured, and create_fix_pr refusing fixes
 * that touch CI workflows, exceed the caps or name another repository before anything is written.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DevopsApiTest {

  static Vertx vertx;
  static WebClient client;
  static FakeGitHub github;
  static FakeSentry sentry;
  static final DevopsConfig.Http HTTP = new DevopsConfig.Http(Duration.ofSeconds(5), 2, 3, Duration.ofSeconds(3),
      Duration.ofSeconds(1));
  static final DevopsConfig.Fixes FIXES = new DevopsConfig.Fixes("supportpilot/fix/", List.of("**"),
      List.of("**/.env*"), 2, 20, 100_000);

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    github = new FakeGitHub(DevopsFixtures.REPO, DevopsFixtures.FILES);
    sentry = new FakeSentry().issue("77", FakeSentry.issueJson("77", "TypeError: boom", "syncInvoices", 5, 2),
        FakeSentry.eventJson("ev77", "TypeError", "boom", DevopsFixtures.frames()));
  }

  @AfterAll
  static void stop() {
    github.close();
    sentry.close();
    vertx.close();
  }

  static GitHubClient gitHub(String token) {
    return new GitHubClient(new ApiGateway(vertx, client, "github", HTTP, Clock.systemUTC(), new SimpleMeterRegistry()),
        new DevopsConfig.GitHub(github.url(), DevopsFixtures.REPO, FakeGitHub.VERSION, Optional.of(token)));
  }

  static SentryClient sentryClient(String token) {
    return new SentryClient(new ApiGateway(vertx, client, "sentry", HTTP, Clock.systemUTC(), new SimpleMeterRegistry()),
        new DevopsConfig.Sentry(sentry.url(), "", Optional.of(token)));
  }

  static DevopsTools tools() {
    return new DevopsTools(sentryClient(FakeSentry.TOKEN), gitHub(FakeGitHub.TOKEN),
        new FixPolicy(DevopsFixtures.REPO, FIXES), null, null, 0.9);
  }

  static <T> T get(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : new RuntimeException(e);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Throwable failure(Future<?> f) {
    try {
      get(f);
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a failure");
  }

  static DevopsTasks.Task task() {
    return new DevopsTasks.Task("t-1", "sentry_error", "TypeError", null, new JsonObject().put("issue_id", "77"), 1,
        "sentry:77");
  }

  static JsonObject fix(String repository, String... pathsAndContents) {
    JsonArray files = new JsonArray();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.add(new JsonObject().put("path", pathsAndContents[i]).put("content", pathsAndContents[i + 1]));
    }
    JsonObject in = new JsonObject().put("root_cause", "r").put("fix_approach", "f").put("impact", "i")
        .put("confidence", 0.95).put("title", "t").put("files", files);
    if (repository != null) {
      in.put("repository", repository);
    }
    return in;
  }

  static long writes() {
    return github.received().stream().filter(r -> r.method() != HttpMethod.GET).count();
  }

  // Verifies that a fix touching .github/workflows/ is refused before anything is written.
  @Test
  void fixTouchingWorkflowsIsRefused() {
    long before = writes();
    Throwable e = failure(tools().execute("create_fix_pr", fix(null, ".github/workflows/ci.yml", "on: push\n"),
        task(), new DevopsTools.RunState()));
    assertInstanceOf(DevopsTools.ToolError.class, e);
    assertTrue(e.getMessage().contains("deny list"), e.getMessage());
    assertEquals(before, writes());
    // Also when the allow list is "**" and the deny list is empty: the workflows are always denied.
    FixPolicy open = new FixPolicy(DevopsFixtures.REPO, new DevopsConfig.Fixes("p/", List.of("**"), List.of(), 5,
        100, 1000));
    assertTrue(failure(Future.succeededFuture().map(x -> open.checkPath("./.github/workflows/deploy.yml")))
        instanceof FixPolicy.Refused);
    assertTrue(failure(Future.succeededFuture().map(x -> open.checkPath("src/../.github/workflows/a.yml")))
        instanceof FixPolicy.Refused);
  }

  // Verifies that a fix with more files than allowed is refused before anything is written.
  @Test
  void moreFilesThanAllowedIsRefused() {
    long before = writes();
    Throwable e = failure(tools().execute("create_fix_pr", fix(null, "src/a.ts", "a\n", "src/b.ts", "b\n",
        "src/c.ts", "c\n"), task(), new DevopsTools.RunState()));
    assertTrue(e.getMessage().contains("at most 2 files"), e.getMessage());
    assertEquals(before, writes());
  }

  // Verifies that a fix changing more lines than allowed is refused after reading the current file, before writing.
  @Test
  void moreChangedLinesThanAllowedIsRefused() {
    long before = writes();
    StringBuilder big = new StringBuilder(DevopsFixtures.BUGGY);
    for (int i = 0; i < 30; i++) {
      big.append("// line ").append(i).append('\n');
    }
    Throwable e = failure(tools().execute("create_fix_pr", fix(null, DevopsFixtures.FILE, big.toString()), task(),
        new DevopsTools.RunState()));
    assertTrue(e.getMessage().contains("at most 20 lines"), e.getMessage());
    assertEquals(before, writes());
    assertEquals(3, FixPolicy.changedLines(DevopsFixtures.BUGGY, DevopsFixtures.FIXED));
    assertEquals(2, FixPolicy.changedLines("a\nb\n", "a\nc\n"));
  }

  // Verifies that a fix naming another repository is refused, and that code search never leaves the repository.
  @Test
  void anotherRepositoryIsRefused() {
    long before = writes();
    Throwable e = failure(tools().execute("create_fix_pr", fix("someone/else", DevopsFixtures.FILE,
        DevopsFixtures.FIXED), task(), new DevopsTools.RunState()));
    assertTrue(e.getMessage().contains("only the configured repository"), e.getMessage());
    assertEquals(before, writes());
    JsonObject hits = get(tools().execute("search_code", new JsonObject().put("query", "syncInvoices repo:someone/else"),
        task(), new DevopsTools.RunState()));
    assertEquals(DevopsFixtures.FILE, hits.getJsonArray("items").getJsonObject(0).getString("path"));
    assertTrue(github.refusals().stream().noneMatch(r -> r.contains("outside") || r.contains("unscoped")),
        github.refusals().toString());
  }

  // Verifies that a confidence below the threshold opens nothing and tells the model to notify instead.
  @Test
  void lowConfidenceCannotOpenPullRequest() {
    long before = writes();
    Throwable e = failure(tools().execute("create_fix_pr", fix(null, DevopsFixtures.FILE, DevopsFixtures.FIXED)
        .put("confidence", 0.6), task(), new DevopsTools.RunState()));
    assertTrue(e.getMessage().contains("notify_human"), e.getMessage());
    assertEquals(before, writes());
  }

  // Verifies the fake GitHub's refusals as the client sees them: bad token, existing ref, missing blob sha, PR
  // without commits, and the missing API version header.
  @Test
  void gitHubRefusesWhatGitHubRefuses() {
    GitHubClient bad = gitHub("github_pat_wrong");
    GitHubClient.GitHubError auth = (GitHubClient.GitHubError) failure(bad.defaultBranch());
    assertEquals(401, auth.status);
    assertTrue(auth.getMessage().contains("Bad credentials"));

    GitHubClient gh = gitHub(FakeGitHub.TOKEN);
    String head = get(gh.headSha("main"));
    get(gh.createBranch("supportpilot/fix/api-test", head));
    GitHubClient.GitHubError exists = (GitHubClient.GitHubError) failure(gh.createBranch("supportpilot/fix/api-test",
        head));
    assertEquals(422, exists.status);
    assertTrue(exists.getMessage().contains("Reference already exists"));

    GitHubClient.GitHubError noCommits = (GitHubClient.GitHubError) failure(gh.createDraftPull("t", "b",
        "supportpilot/fix/api-test", "main"));
    assertEquals(422, noCommits.status);
    assertTrue(noCommits.getMessage().contains("No commits between main and supportpilot/fix/api-test"));

    GitHubClient.GitHubError noSha = (GitHubClient.GitHubError) failure(gh.putFile("supportpilot/fix/api-test",
        DevopsFixtures.FILE, DevopsFixtures.FIXED, "fix", null));
    assertEquals(422, noSha.status);
    assertTrue(noSha.getMessage().contains("\"sha\" wasn't supplied"));
    GitHubClient.GitHubError toMain = (GitHubClient.GitHubError) failure(gh.putFile("main", "src/new.ts", "x", "m",
        null));
    assertEquals(409, toMain.status);

    String sha = get(gh.file(DevopsFixtures.FILE, "main")).orElseThrow().sha();
    get(gh.putFile("supportpilot/fix/api-test", DevopsFixtures.FILE, DevopsFixtures.FIXED, "fix", sha));
    JsonObject pr = get(gh.createDraftPull("t", "b", "supportpilot/fix/api-test", "main"));
    assertTrue(pr.getBoolean("draft"));
    assertEquals(DevopsFixtures.FIXED, get(gh.file(DevopsFixtures.FILE, "supportpilot/fix/api-test")).orElseThrow()
        .text());

    int status = get(client.getAbs(github.url() + "/repos/" + DevopsFixtures.REPO)
        .putHeader("Authorization", "Bearer " + FakeGitHub.TOKEN).putHeader("User-Agent", "t").send()).statusCode();
    assertEquals(400, status);
    int noAuth = get(client.getAbs(github.url() + "/repos/" + DevopsFixtures.REPO)
        .putHeader("User-Agent", "t").putHeader("X-GitHub-Api-Version", FakeGitHub.VERSION).send()).statusCode();
    assertEquals(401, noAuth);
  }

  // Verifies that GitHub's rate limits are honoured: a secondary limit's retry-after and a primary limit's
  // x-ratelimit-reset are waited out, and a wait longer than allowed fails fast without another request.
  @Test
  void gitHubRateLimitsAreHonoured() {
    GitHubClient gh = gitHub(FakeGitHub.TOKEN);
    int before = github.received().size();
    github.then(FakeGitHub.secondaryLimit(1));
    long t0 = System.nanoTime();
    assertEquals("main", get(gh.defaultBranch()));
    assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(900), "waited the retry-after");
    assertEquals(before + 2, github.received().size());

    github.then(FakeGitHub.primaryLimit(Instant.now().getEpochSecond() + 1));
    assertEquals("main", get(gh.defaultBranch()));

    github.then(FakeGitHub.secondaryLimit(120));
    Throwable e = failure(gh.defaultBranch());
    assertInstanceOf(ApiGateway.RateLimited.class, e);
    int after = github.received().size();
    assertInstanceOf(ApiGateway.RateLimited.class, failure(gh.headSha("main")));
    assertEquals(after, github.received().size(), "no request while the API asked us to wait");
  }

  // Verifies the Sentry client: a 429 with Retry-After is waited out, the issue and latest event are condensed with
  // the crashing frame last, secrets in breadcrumbs are masked, and a wrong token is a clear 401.
  @Test
  void sentryIssueIsReadCondensedAndRedacted() {
    sentry.rateLimitNext(1);
    JsonObject j = get(sentryClient(FakeSentry.TOKEN).issue("77"));
    assertEquals("5", j.getJsonObject("issue").getString("count"));
    JsonArray frames = j.getJsonObject("latest_event").getJsonArray("frames");
    assertEquals("syncInvoices", frames.getJsonObject(frames.size() - 1).getString("function"));
    assertFalse(j.encode().contains("abcdefghijklmnop1234"));
    assertTrue(j.encode().contains("[redacted]"));
    assertTrue(sentry.refusals().stream().anyMatch(r -> r.startsWith("429")));
    SentryClient.SentryError e = (SentryClient.SentryError) failure(sentryClient("sntryu_wrong").issue("77"));
    assertEquals(401, e.status);
    assertEquals(404, ((SentryClient.SentryError) failure(sentryClient(FakeSentry.TOKEN).issue("999"))).status);
    assertEquals(400, ((SentryClient.SentryError) failure(sentryClient(FakeSentry.TOKEN).issue("../x"))).status);
  }
}
