package io.supportpilot.devops;

import io.supportpilot.agent.ClaudeGateway;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one DevOps task: claims it, then either runs the Claude tool loop (gather the error and the code, state
 * root cause, fix approach, impact and confidence, then a draft PR at or above the threshold or a notification
 * below it) or, without Claude, writes the offline analysis from the Sentry data and notifies. A run that ends
 * without a decision falls back to the offline analysis; a failure retries a few times, then notifies.
 */
final class DevopsAgent {

  private static final Logger LOG = LoggerFactory.getLogger(DevopsAgent.class);

  private final DevopsConfig cfg;
  private final DevopsTasks tasks;
  private final DevopsLoop loop;
  private final ClaudeGateway gateway;
  private final SentryClient sentry;
  private final HumanNotifier notifier;
  private final String repository;
  private final Clock clock;

  DevopsAgent(DevopsConfig cfg, DevopsTasks tasks, DevopsLoop loop, ClaudeGateway gateway, SentryClient sentry,
      HumanNotifier notifier, Clock clock) {
    this.cfg = cfg;
    this.tasks = tasks;
    this.loop = loop;
    this.gateway = gateway;
    this.sentry = sentry;
    this.notifier = notifier;
    this.repository = cfg.github().repository();
    this.clock = clock;
  }

  /** True when a run would use Claude now (a key, not offline-only, breaker closed, budget left). */
  boolean claudeAvailable() {
    return !cfg.offlineOnly() && gateway != null && gateway.unavailableReason() == null;
  }

  /** Claims and works the task; completes with what happened (not_claimed, pr_opened, notified, requeued, failed). */
  Future<String> work(String id) {
    return tasks.claim(id, cfg.retriggerAfter()).compose(t -> {
      if (t.isEmpty()) {
        return Future.succeededFuture("not_claimed");
      }
      DevopsTasks.Task task = t.get();
      String mode = claudeAvailable() ? "claude" : "offline";
      return tasks.startRun(task.id(), mode).compose(runId -> ("claude".equals(mode) ? withClaude(task)
          : offline(task, offlineReason()).map(x -> new Outcome("offline_notified", 0, 0)))
          .compose(o -> tasks.finishRun(runId, o.outcome, o.iterations, o.tokens).map(o.outcome))
          .recover(e -> failed(task, runId, e)));
    });
  }

  private record Outcome(String outcome, int iterations, long tokens) {
  }

  private Future<Outcome> withClaude(DevopsTasks.Task task) {
    DevopsTools.RunState state = new DevopsTools.RunState();
    return loop.run(task, system(), userTurn(task), state).compose(r -> {
      if (state.prNumber != null) {
        // The task stays in progress, linked to its PR, until the PR is merged or closed.
        return Future.succeededFuture(new Outcome("pr_opened", r.iterations(), r.tokens()));
      }
      if (state.notified) {
        return tasks.finish(task.id(), "done", "notified", state.analysis)
            .map(new Outcome("notified", r.iterations(), r.tokens()));
      }
      return offline(task, "the model ended without a decision (" + r.outcome() + ")")
          .map(new Outcome("offline_notified_after_" + r.outcome(), r.iterations(), r.tokens()));
    }, e -> {
      if (e instanceof ClaudeGateway.Unavailable) {
        String reason = "Claude unavailable: " + ((ClaudeGateway.Unavailable) e).reason().name().toLowerCase(Locale.ROOT);
        return offline(task, reason).map(new Outcome("offline_notified", 0, 0));
      }
      return Future.failedFuture(e);
    });
  }

  private String offlineReason() {
    if (cfg.offlineOnly()) {
      return "offline mode (devops.offline-only)";
    }
    ClaudeGateway.Refusal r = gateway == null ? ClaudeGateway.Refusal.NO_KEY : gateway.unavailableReason();
    return r == ClaudeGateway.Refusal.NO_KEY ? "no Anthropic API key"
        : "Claude unavailable: " + (r == null ? "unknown" : r.name().toLowerCase(Locale.ROOT));
  }

  /** The offline analysis, sent to the humans; the task is done. Never opens a PR. */
  private Future<Void> offline(DevopsTasks.Task task, String reason) {
    String issueId = task.sentryIssueId();
    Future<JsonObject> sentryData = issueId != null && sentry.configured()
        ? sentry.issue(issueId).otherwise(e -> {
          LOG.info("offline DevOps analysis of task {} without Sentry data: {}", task.id(), e.getMessage());
          return null;
        })
        : Future.succeededFuture(null);
    Future<JsonObject> facts = tasks.errorFacts(task.details().getString("fingerprint"),
        task.errorType() == null ? "" : task.errorType()).otherwise((JsonObject) null);
    return Future.all(sentryData, facts).compose(x -> {
      JsonObject analysis = OfflineAnalysis.of(task, sentryData.result(), facts.result(), reason);
      return notifier.notify(task, analysis, null).compose(n -> tasks.finish(task.id(), "done", "notified", analysis));
    });
  }

  private Future<String> failed(DevopsTasks.Task task, long runId, Throwable e) {
    LOG.warn("DevOps task {} failed (attempt {}): {}", task.id(), task.attempts(), Redactor.text(e.getMessage()));
    Future<Void> run = tasks.finishRun(runId, "failed", 0, 0).otherwiseEmpty();
    if (task.attempts() < cfg.maxAttempts()) {
      Duration wait = e instanceof ApiGateway.RateLimited
          ? Duration.between(clock.instant(), ((ApiGateway.RateLimited) e).until).plusSeconds(1)
          : Duration.ofMinutes(task.attempts());
      return run.compose(v -> tasks.requeue(task.id(), clock.instant().plus(wait.isNegative() ? Duration.ZERO : wait)))
          .map("requeued");
    }
    return run.compose(v -> offline(task, "the agent failed " + task.attempts() + " times"))
        .recover(x -> tasks.finish(task.id(), "done", "failed", null)).map("failed");
  }

  private String system() {
    DevopsConfig.Fixes f = cfg.fixes();
    return "You are the DevOps agent of supportpilot. A production error needs a developer; the code lives in the "
        + "GitHub repository " + (repository.isEmpty() ? "(none configured)" : repository) + ".\n"
        + "1. When the task names a Sentry issue, call get_sentry_issue to read the error, the stack frames (the "
        + "crashing frame is last), tags and breadcrumbs.\n"
        + "2. Find the code with search_code and read it with get_file.\n"
        + "3. State the root cause, the fix approach, the impact and your confidence between 0 and 1.\n"
        + String.format(Locale.ROOT, "4. If your confidence is at least %.2f and the fix is small (at most %d "
            + "files and %d changed lines, never CI workflows under .github/), call create_fix_pr with the whole new "
            + "content of each changed file: it opens a draft pull request that a developer reviews. Otherwise call "
            + "notify_human with your analysis.%n", cfg.prThreshold(), f.maxFiles(), f.maxChangedLines())
        + "Call exactly one of create_fix_pr or notify_human, then end with a one-line summary. Never write secrets, "
        + "tokens or customer personal data into code, pull requests or messages.";
  }

  static String userTurn(DevopsTasks.Task task) {
    JsonObject d = task.details().copy();
    // The customer's identity is not needed to fix code.
    d.remove("user_id");
    d.remove("email");
    d.remove("conversation_id");
    StringBuilder sb = new StringBuilder("DevOps task ").append(task.id()).append(" (").append(task.type())
        .append(").\n");
    if (task.errorType() != null) {
      sb.append("Error type: ").append(task.errorType()).append('\n');
    }
    Optional.ofNullable(task.sentryIssueId()).ifPresent(i -> sb.append("Sentry issue id: ").append(i).append('\n'));
    sb.append("Details: ").append(Redactor.json(d).encode());
    return sb.toString();
  }
}
