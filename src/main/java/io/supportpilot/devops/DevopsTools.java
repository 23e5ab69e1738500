package io.supportpilot.devops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The DevOps agent's tools: get_sentry_issue, search_code, get_file (default branch), create_fix_pr (a branch
 * under the fixed prefix from the default branch's head, one commit per changed file, a draft PR carrying the
 * analysis and the Sentry link) and notify_human. Every refusal is a {@link ToolError} the model reads.
 */
final class DevopsTools {

  /** A tool failure the model sees as an {@code is_error} result. */
  static final class ToolError extends RuntimeException {

    ToolError(String message) {
      super(message, null, false, false);
    }
  }

  /** What one run did: the PR it opened, whether humans were told, the analysis it stated. */
  static final class RunState {
    Integer prNumber;
    String prUrl;
    boolean notified;
    JsonObject analysis;
    String sentryUrl;
    int sentryFailures;
  }

  static final int MAX_FILE_CHARS = 30_000;

  private final SentryClient sentry;
  private final GitHubClient github;
  private final FixPolicy policy;
  private final HumanNotifier notifier;
  private final DevopsTasks tasks;
  private final double prThreshold;

  DevopsTools(SentryClient sentry, GitHubClient github, FixPolicy policy, HumanNotifier notifier, DevopsTasks tasks,
      double prThreshold) {
    this.sentry = sentry;
    this.github = github;
    this.policy = policy;
    this.notifier = notifier;
    this.tasks = tasks;
    this.prThreshold = prThreshold;
  }

  /** The tool definitions (JSON schemas) offered to Claude. */
  static JsonArray definitions() {
    JsonObject analysis = new JsonObject()
        .put("root_cause", str("The root cause, naming the file and function"))
        .put("fix_approach", str("What the fix changes and why it is safe"))
        .put("impact", str("Who and what is affected (users, counts, since when)"))
        .put("confidence", new JsonObject().put("type", "number").put("description",
            "0..1: how sure you are that the root cause and the fix are right"))
        .put("title", str("A short title, such as 'Handle expired refresh token in syncInvoices'"));
    JsonObject file = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("path", str("Repository path"))
        .put("content", str("The whole new content of the file")))
        .put("required", new JsonArray().add("path").add("content"));
    return new JsonArray()
        .add(tool("get_sentry_issue", "Fetch a Sentry issue and its latest event: title, level, count, users, "
            + "first/last seen, the exception, stack frames (crashing frame last), tags and breadcrumbs.",
            new JsonObject().put("issue_id", str("The Sentry issue id")), List.of("issue_id")))
        .add(tool("search_code", "Search the code of the configured repository (GitHub code search). Returns paths.",
            new JsonObject().put("query", str("Search terms: a function, class or error message")), List.of("query")))
        .add(tool("get_file", "Read a file of the configured repository at its default branch.",
            new JsonObject().put("path", str("Repository path, such as src/sync/invoices.ts")), List.of("path")))
        .add(tool("create_fix_pr", "Open a DRAFT pull request with the fix (only when confidence >= " + threshold()
            + "). Give the whole new content of each changed file. The branch name is chosen for you.",
            analysis.copy().put("files", new JsonObject().put("type", "array").put("items", file))
                .put("repository", str("owner/name; must be the configured repository (optional)")),
            List.of("root_cause", "fix_approach", "impact", "confidence", "title", "files")))
        .add(tool("notify_human", "Send your analysis to the developers (Slack and the admin dashboard) when you "
            + "are not confident enough to open a pull request.", analysis.copy(),
            List.of("root_cause", "fix_approach", "impact", "confidence")));
  }

  private static String threshold() {
    return "the configured threshold (0.9 by default)";
  }

  /** Runs one tool. */
  Future<JsonObject> execute(String name, JsonObject input, DevopsTasks.Task task, RunState state) {
    try {
      if (!github.configured() && Set.of("search_code", "get_file", "create_fix_pr").contains(name)) {
        return Future.failedFuture(new ToolError("GitHub is not configured (GITHUB_TOKEN, GITHUB_REPOSITORY): "
            + "work from the Sentry data and use notify_human"));
      }
      switch (name) {
        case "get_sentry_issue": return sentryIssue(input, task, state);
        case "search_code": return searchCode(input);
        case "get_file": return getFile(input);
        case "create_fix_pr": return createFixPr(input, task, state);
        case "notify_human": return notifyHuman(input, task, state);
        default: return Future.failedFuture(new ToolError("unknown tool " + name));
      }
    } catch (FixPolicy.Refused e) {
      return Future.failedFuture(new ToolError("refused: " + e.getMessage()));
    }
  }

  private Future<JsonObject> sentryIssue(JsonObject input, DevopsTasks.Task task, RunState state) {
    String id = text(input, "issue_id");
    if (id.isEmpty()) {
      id = task.sentryIssueId() == null ? "" : task.sentryIssueId();
    }
    return sentry.issue(id).map(j -> {
      String link = j.getJsonObject("issue", new JsonObject()).getString("permalink");
      if (link != null) {
        state.sentryUrl = link;
      }
      return j;
    }).recover(e -> {
      state.sentryFailures++;
      return Future.failedFuture(new ToolError(e.getMessage()));
    });
  }

  private Future<JsonObject> searchCode(JsonObject input) {
    String q = text(input, "query");
    if (q.isEmpty() || q.length() > 200) {
      return Future.failedFuture(new ToolError("query must be 1 to 200 characters"));
    }
    return github.searchCode(q).map(items -> new JsonObject().put("repository", github.repository())
        .put("items", items)).recover(e -> Future.failedFuture(new ToolError(e.getMessage())));
  }

  private Future<JsonObject> getFile(JsonObject input) {
    String path = policy.checkPath(text(input, "path"));
    return github.defaultBranch().compose(branch -> github.file(path, branch)).compose(f -> {
      if (f.isEmpty()) {
        return Future.failedFuture(new ToolError(path + " does not exist on the default branch"));
      }
      String t = Redactor.text(f.get().text());
      boolean cut = t.length() > MAX_FILE_CHARS;
      return Future.succeededFuture(new JsonObject().put("path", path)
          .put("content", cut ? t.substring(0, MAX_FILE_CHARS) : t).put("truncated", cut));
    }, e -> Future.failedFuture(e instanceof ToolError ? e : new ToolError(e.getMessage())));
  }

  private Future<JsonObject> createFixPr(JsonObject input, DevopsTasks.Task task, RunState state) {
    JsonObject analysis = analysis(input, state);
    double confidence = analysis.getDouble("confidence");
    if (confidence < prThreshold) {
      return Future.failedFuture(new ToolError(String.format(Locale.ROOT, "confidence %.2f is below %.2f: "
          + "use notify_human with your analysis instead", confidence, prThreshold)));
    }
    if (state.prNumber != null) {
      return Future.failedFuture(new ToolError("a pull request was already opened in this run: " + state.prUrl));
    }
    policy.checkRepository(input.getValue("repository") instanceof String ? input.getString("repository") : null);
    List<FixPolicy.FileChange> files = policy.checkFiles(files(input));
    String title = analysis.getString("title", "").isBlank() ? "fix " + (task.errorType() == null ? task.type()
        : task.errorType()) : analysis.getString("title");
    String branchBase = policy.branchFor(task.sentryIssueId() != null ? "sentry-" + task.sentryIssueId()
        : task.id().length() > 12 ? task.id().substring(0, 12) : task.id());
    return github.defaultBranch().compose(base -> github.headSha(base).compose(head -> {
      Map<String, GitHubClient.FileContent> current = new HashMap<>();
      return fetchAll(files, base, current, 0).compose(v -> {
        Map<String, String> before = new HashMap<>();
        current.forEach((p, f) -> before.put(p, f.text()));
        policy.checkChangedLines(before, files);
        return branch(branchBase, head, 0);
      }).compose(branch -> {
        if (!policy.writable(branch, base)) {
          return Future.failedFuture(new FixPolicy.Refused("the branch " + branch + " is not writable by the agent"));
        }
        return github.isProtected(branch).compose(prot -> prot
            ? Future.failedFuture(new FixPolicy.Refused("the branch " + branch + " is protected"))
            : commitAll(branch, files, current, "fix: " + title, 0))
            .compose(v -> github.createDraftPull("fix: " + title, prBody(task, analysis), branch, base))
            .compose(pr -> {
              state.prNumber = pr.getInteger("number");
              state.prUrl = pr.getString("html_url");
              state.analysis = analysis;
              return tasks.linkPr(task.id(), state.prNumber, state.prUrl, branch, analysis)
                  .compose(x -> notifier.notify(task, analysis, state.prUrl))
                  .map(x -> {
                    state.notified = true;
                    return new JsonObject().put("status", "draft_pr_opened").put("number", state.prNumber)
                        .put("url", state.prUrl).put("branch", branch);
                  });
            });
      });
    })).recover(e -> Future.failedFuture(e instanceof ToolError ? e : e instanceof FixPolicy.Refused
        ? new ToolError("refused: " + e.getMessage()) : new ToolError(e.getMessage())));
  }

  private Future<Void> fetchAll(List<FixPolicy.FileChange> files, String ref, Map<String, GitHubClient.FileContent> out,
      int i) {
    if (i >= files.size()) {
      return Future.succeededFuture();
    }
    return github.file(files.get(i).path(), ref).compose(f -> {
      f.ifPresent(c -> out.put(c.path(), c));
      return fetchAll(files, ref, out, i + 1);
    });
  }

  /** Creates the branch; when the name exists (422 "Reference already exists") tries a numbered one. */
  private Future<String> branch(String name, String sha, int n) {
    String b = n == 0 ? name : name + "-" + (n + 1);
    return github.createBranch(b, sha).map(v -> b).recover(e -> {
      if (e instanceof GitHubClient.GitHubError && ((GitHubClient.GitHubError) e).status == 422
          && e.getMessage().contains("Reference already exists") && n < 5) {
        return branch(name, sha, n + 1);
      }
      return Future.failedFuture(e);
    });
  }

  private Future<Void> commitAll(String branch, List<FixPolicy.FileChange> files,
      Map<String, GitHubClient.FileContent> current, String message, int i) {
    if (i >= files.size()) {
      return Future.succeededFuture();
    }
    FixPolicy.FileChange f = files.get(i);
    GitHubClient.FileContent old = current.get(f.path());
    return github.putFile(branch, f.path(), f.content(), message, old == null ? null : old.sha())
        .compose(sha -> commitAll(branch, files, current, message, i + 1));
  }

  private Future<JsonObject> notifyHuman(JsonObject input, DevopsTasks.Task task, RunState state) {
    if (state.notified) {
      return Future.failedFuture(new ToolError("the humans were already told in this run"));
    }
    JsonObject analysis = analysis(input, state);
    return notifier.notify(task, analysis, null).map(id -> {
      state.notified = true;
      state.analysis = analysis;
      return new JsonObject().put("status", "notified").put("notification_id", id);
    });
  }

  private JsonObject analysis(JsonObject input, RunState state) {
    Object c = input.getValue("confidence");
    if (!(c instanceof Number) || ((Number) c).doubleValue() < 0 || ((Number) c).doubleValue() > 1) {
      throw new FixPolicy.Refused("confidence must be a number between 0 and 1");
    }
    for (String k : List.of("root_cause", "fix_approach", "impact")) {
      if (text(input, k).isEmpty()) {
        throw new FixPolicy.Refused(k + " is required");
      }
    }
    JsonObject a = new JsonObject().put("root_cause", text(input, "root_cause"))
        .put("fix_approach", text(input, "fix_approach")).put("impact", text(input, "impact"))
        .put("confidence", ((Number) c).doubleValue()).put("title", text(input, "title")).put("mode", "claude");
    if (state.sentryUrl != null) {
      a.put("sentry_url", state.sentryUrl);
    }
    return Redactor.json(a);
  }

  static String prBody(DevopsTasks.Task task, JsonObject a) {
    String sentryUrl = a.getString("sentry_url", task.details().getString("web_url"));
    StringBuilder sb = new StringBuilder("## Automated fix proposal (draft)\n\n");
    if (sentryUrl != null) {
      sb.append("**Sentry issue:** ").append(sentryUrl).append("\n\n");
    }
    sb.append("### Root cause\n").append(a.getString("root_cause")).append("\n\n")
        .append("### Fix approach\n").append(a.getString("fix_approach")).append("\n\n")
        .append("### Impact\n").append(a.getString("impact")).append("\n\n")
        .append(String.format(Locale.ROOT, "**Confidence:** %.2f\n\n", a.getDouble("confidence")))
        .append("---\nOpened by the supportpilot DevOps agent (task `").append(task.id()).append("`). ")
        .append("It never merges: review, test and merge it yourself, or close it.\n");
    return Redactor.text(sb.toString());
  }

  private static List<FixPolicy.FileChange> files(JsonObject input) {
    if (!(input.getValue("files") instanceof JsonArray)) {
      throw new FixPolicy.Refused("files must be an array of {path, content}");
    }
    List<FixPolicy.FileChange> out = new ArrayList<>();
    for (Object o : input.getJsonArray("files")) {
      if (!(o instanceof JsonObject)) {
        throw new FixPolicy.Refused("files must be an array of {path, content}");
      }
      JsonObject f = (JsonObject) o;
      out.add(new FixPolicy.FileChange(f.getValue("path") instanceof String ? f.getString("path") : null,
          f.getValue("content") instanceof String ? f.getString("content") : null));
    }
    return out;
  }

  private static String text(JsonObject input, String key) {
    return input.getValue(key) instanceof String ? input.getString(key).trim() : "";
  }

  private static JsonObject str(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }

  private static JsonObject tool(String name, String description, JsonObject props, List<String> required) {
    return new JsonObject().put("name", name).put("description", description).put("input_schema", new JsonObject()
        .put("type", "object").put("properties", props).put("required", new JsonArray(new ArrayList<>(required))));
  }
}
