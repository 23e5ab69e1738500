package io.supportpilot.devops;

import io.supportpilot.bus.Addresses;
import io.supportpilot.spike.SlackNotifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * Tells the humans what the DevOps agent found: a Slack message with the analysis (or the draft PR's link) and an
 * admin notification, both redacted. Slack being down never fails the task; the admin notification is the record.
 */
final class HumanNotifier {

  private final Vertx vertx;
  private final SlackNotifier slack;
  private final DevopsTasks tasks;

  HumanNotifier(Vertx vertx, SlackNotifier slack, DevopsTasks tasks) {
    this.vertx = vertx;
    this.slack = slack;
    this.tasks = tasks;
  }

  /** Sends the analysis; {@code prUrl} is set when a draft PR was opened. Completes with the notification id. */
  Future<Long> notify(DevopsTasks.Task task, JsonObject analysis, String prUrl) {
    String title = Redactor.text((prUrl != null ? "Draft fix PR for " : "DevOps analysis: ")
        + analysis.getString("title", task.errorType() == null ? task.type() : task.errorType()));
    String text = Redactor.text(slackText(title, analysis, prUrl));
    JsonObject details = new JsonObject().put("task_id", task.id()).put("analysis", Redactor.json(analysis));
    if (prUrl != null) {
      details.put("pr_url", prUrl);
    }
    String kind = prUrl != null ? "devops_fix_pr" : "devops_analysis";
    slack.post(text);
    return tasks.notification(kind, title, details).onSuccess(id -> vertx.eventBus().publish(
        Addresses.ADMIN_NOTIFICATIONS, new JsonObject().put("id", id).put("kind", kind).put("title", title)
            .put("details", details)));
  }

  static String slackText(String title, JsonObject a, String prUrl) {
    StringBuilder sb = new StringBuilder(prUrl != null ? ":wrench: " : ":mag: ").append(title).append('\n');
    if (prUrl != null) {
      sb.append("Pull request (draft, needs review): ").append(prUrl).append('\n');
    }
    line(sb, "Root cause", a.getString("root_cause"));
    line(sb, "Fix approach", a.getString("fix_approach"));
    line(sb, "Impact", a.getString("impact"));
    if (a.getValue("confidence") instanceof Number) {
      sb.append("Confidence: ").append(String.format(Locale.ROOT, "%.2f", a.getDouble("confidence")))
          .append(a.getString("mode") == null ? "" : " (" + a.getString("mode") + ")").append('\n');
    }
    line(sb, "Facts", a.getString("facts"));
    line(sb, "Sentry", a.getString("sentry_url"));
    return sb.toString().strip();
  }

  private static void line(StringBuilder sb, String label, String v) {
    if (v != null && !v.isBlank()) {
      sb.append(label).append(": ").append(v.strip()).append('\n');
    }
  }
}
