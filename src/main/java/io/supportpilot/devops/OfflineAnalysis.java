package io.supportpilot.devops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The analysis the DevOps agent writes without Claude: what the Sentry data (or the stored errors) says for
 * certain, the exception, the top frames (in-app first, crashing frame first), first and last seen, the event
 * count and the affected users, and no pretended root cause. It never leads to a pull request.
 */
final class OfflineAnalysis {

  static final int TOP_FRAMES = 5;

  private OfflineAnalysis() {
  }

  /**
   * Builds the analysis from the task, the condensed Sentry issue (may be null) and the error-log facts (may be
   * null). {@code reason} says why Claude did not write it.
   */
  static JsonObject of(DevopsTasks.Task task, JsonObject sentry, JsonObject logFacts, String reason) {
    JsonObject d = task.details();
    JsonObject issue = sentry == null ? new JsonObject() : sentry.getJsonObject("issue", new JsonObject());
    JsonObject event = sentry == null ? new JsonObject() : sentry.getJsonObject("latest_event", new JsonObject());
    String title = first(issue.getString("title"), d.getString("title"),
        join(task.errorType(), d.getString("message")), task.type());
    List<String> frames = frames(event.getJsonArray("frames", new JsonArray()));
    if (frames.isEmpty() && d.getString("stack") != null) {
      for (String l : d.getString("stack").split("\n")) {
        if (!l.isBlank() && frames.size() < TOP_FRAMES) {
          frames.add(l.strip());
        }
      }
    }
    String exception = null;
    JsonArray ex = event.getJsonArray("exception", new JsonArray());
    if (!ex.isEmpty()) {
      JsonObject last = ex.getJsonObject(ex.size() - 1);
      exception = join(last.getString("type"), last.getString("value"));
    }
    exception = first(exception, join(task.errorType(), d.getString("message")), title);
    Object count = first(issue.getValue("count"), d.getValue("count"), logFacts == null ? null : logFacts.getValue("count"));
    Object users = first(issue.getValue("userCount"), d.getValue("userCount"),
        logFacts == null ? null : logFacts.getValue("affected_users"));
    Object firstSeen = first(issue.getValue("firstSeen"), d.getValue("firstSeen"),
        logFacts == null ? null : logFacts.getValue("first_seen"));
    Object lastSeen = first(issue.getValue("lastSeen"), d.getValue("lastSeen"),
        logFacts == null ? null : logFacts.getValue("last_seen"));
    String culprit = first(issue.getString("culprit"), d.getString("culprit"));
    StringBuilder impact = new StringBuilder();
    impact.append(count == null ? "unknown number of" : String.valueOf(count)).append(" events, ")
        .append(users == null ? "unknown number of" : String.valueOf(users)).append(" affected users");
    if (firstSeen != null) {
      impact.append(", first seen ").append(firstSeen);
    }
    if (lastSeen != null) {
      impact.append(", last seen ").append(lastSeen);
    }
    if (task.details().getValue("ratio") instanceof Number) {
      impact.append(", a spike of ").append(task.details().getValue("count")).append(" in the last hour (")
          .append(task.details().getValue("ratio")).append("x normal)");
    }
    String where = frames.isEmpty() ? (culprit == null ? "an unknown place" : culprit) : frames.get(0);
    JsonObject a = new JsonObject()
        .put("title", title)
        .put("root_cause", "Not determined automatically (" + reason + "). The error is " + exception + ", raised at "
            + where + ".")
        .put("fix_approach", frames.isEmpty() ? "Start from the culprit " + (culprit == null ? "(none given)" : culprit)
            + " and the error message." : "Start from the top frames: " + String.join(" <- ", frames))
        .put("impact", impact.toString())
        .put("confidence", 0.0)
        .put("mode", "offline")
        .put("top_frames", new JsonArray(new ArrayList<>(frames)));
    String url = first(issue.getString("permalink"), d.getString("web_url"));
    if (url != null) {
      a.put("sentry_url", url);
    }
    if (culprit != null) {
      a.put("facts", "culprit " + culprit);
    }
    return Redactor.json(a);
  }

  /** Top frames, crashing frame first, in-app frames preferred. */
  static List<String> frames(JsonArray frames) {
    List<String> inApp = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (int i = frames.size() - 1; i >= 0; i--) {
      if (!(frames.getValue(i) instanceof JsonObject)) {
        continue;
      }
      JsonObject f = frames.getJsonObject(i);
      String file = first(f.getString("filename"), f.getString("absPath"), f.getString("abs_path"),
          f.getString("module"), "?");
      Object line = first(f.getValue("lineNo"), f.getValue("lineno"));
      String s = f.getString("function", "?") + " (" + file + (line == null ? "" : ":" + line) + ")";
      all.add(s);
      if (Boolean.TRUE.equals(first(f.getValue("inApp"), f.getValue("in_app")))) {
        inApp.add(s);
      }
    }
    List<String> pick = inApp.isEmpty() ? all : inApp;
    return new ArrayList<>(pick.subList(0, Math.min(TOP_FRAMES, pick.size())));
  }

  private static String join(String a, String b) {
    if (a == null) {
      return b;
    }
    return b == null || b.isBlank() ? a : a + ": " + b;
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    for (T v : values) {
      if (v != null && !(v instanceof String && ((String) v).isBlank())) {
        return v;
      }
    }
    return null;
  }
}
