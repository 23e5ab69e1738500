package io.supportpilot.devops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the agent's open pull requests on GitHub: merged or closed ends the task (and makes
 * {@code devops_agent.prs_merged} true); still open only records the check. One poll at a time, a few PRs each.
 */
final class PullRequestFollowUp {

  private static final Logger LOG = LoggerFactory.getLogger(PullRequestFollowUp.class);
  static final int PER_POLL = 20;

  private final DevopsTasks tasks;
  private final GitHubClient github;
  private boolean polling;

  PullRequestFollowUp(DevopsTasks tasks, GitHubClient github) {
    this.tasks = tasks;
    this.github = github;
  }

  /** Checks up to {@link #PER_POLL} open PRs; completes with how many changed state. */
  Future<Integer> poll() {
    if (polling) {
      return Future.succeededFuture(0);
    }
    polling = true;
    return tasks.openPrs(PER_POLL).compose(prs -> check(prs, 0, 0))
        .onFailure(e -> LOG.warn("pull request follow-up failed: {}", e.getMessage()))
        .andThen(ar -> polling = false);
  }

  private Future<Integer> check(List<JsonObject> prs, int i, int changed) {
    if (i >= prs.size()) {
      return Future.succeededFuture(changed);
    }
    JsonObject t = prs.get(i);
    return github.pull(t.getInteger("pr_number")).compose(pr -> {
      boolean merged = pr.getBoolean("merged", false) || pr.getString("merged_at") != null;
      String state = merged ? "merged" : "closed".equals(pr.getString("state")) ? "closed" : "open";
      Instant mergedAt = merged && pr.getString("merged_at") != null ? Instant.parse(pr.getString("merged_at")) : null;
      return tasks.prState(t.getString("id"), state, mergedAt).map(v -> "open".equals(state) ? 0 : 1);
    }).recover(e -> {
      if (e instanceof GitHubClient.GitHubError && ((GitHubClient.GitHubError) e).status == 404) {
        return tasks.prState(t.getString("id"), "closed", null).map(1);
      }
      return Future.failedFuture(e);
    }).compose(n -> check(prs, i + 1, changed + n));
  }
}
