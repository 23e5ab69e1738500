package io.supportpilot.devops;

import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a stored error starts a DevOps task: Sentry errors of level fatal or error (new issues,
 * regressions, issue alerts), keyed by Sentry issue (else fingerprint). A key seen within the window is skipped
 * (a storm of one issue costs one insert per window; the database's unique index is the real guard), except a
 * regression. Not thread-safe: one verticle owns it.
 */
final class SentryTrigger {

  /** A task to create: its key, whether it is a regression, and the task details. */
  record Trigger(String key, boolean regression, String errorType, JsonObject details) {
  }

  private static final Set<String> LEVELS = Set.of("fatal", "error");
  static final int MAX_KEYS = 10_000;

  private final long windowMs;
  private final Map<String, Long> recentKeys = new HashMap<>();

  SentryTrigger(long windowMs) {
    this.windowMs = windowMs;
  }

  /** The task this error asks for, or null (not a Sentry error of a triggering level, or its key seen just now). */
  Trigger check(ErrorEvent e, long nowMs) {
    if (!"sentry".equals(e.source()) || e.level() == null || !LEVELS.contains(e.level().toLowerCase(Locale.ROOT))) {
      return null;
    }
    JsonObject sentry = sentryContext(e);
    String issueId = sentry.getValue("issue_id") == null ? null : String.valueOf(sentry.getValue("issue_id"));
    String key = issueId != null ? "sentry:" + issueId : "fingerprint:" + e.fingerprint();
    boolean regression = "unresolved".equals(sentry.getString("action"))
        || "regressed".equals(sentry.getString("substatus"));
    Long until = recentKeys.get(key);
    if (until != null && until > nowMs && !regression) {
      return null;
    }
    if (recentKeys.size() >= MAX_KEYS) {
      recentKeys.clear();
    }
    recentKeys.put(key, nowMs + windowMs);
    return new Trigger(key, regression, e.errorType(), details(e, sentry, issueId));
  }

  /** Forgets a key (its task could not be written), so the next event tries again. */
  void forget(String key) {
    recentKeys.remove(key);
  }

  private static JsonObject sentryContext(ErrorEvent e) {
    try {
      JsonObject ctx = e.contextJson() == null ? new JsonObject() : new JsonObject(e.contextJson());
      return ctx.getValue("sentry") instanceof JsonObject ? ctx.getJsonObject("sentry") : new JsonObject();
    } catch (RuntimeException ex) {
      return new JsonObject();
    }
  }

  private static JsonObject details(ErrorEvent e, JsonObject sentry, String issueId) {
    JsonObject d = new JsonObject().put("source", "sentry").put("event_id", e.eventId()).put("level", e.level())
        .put("error_type", e.errorType()).put("message", e.message()).put("fingerprint", e.fingerprint())
        .put("occurred_at", e.occurredAt() == null ? null : e.occurredAt().toString());
    if (issueId != null) {
      d.put("issue_id", issueId);
    }
    for (String k : new String[] {"action", "substatus", "title", "culprit", "web_url", "permalink", "shortId",
        "count", "userCount", "firstSeen", "lastSeen", "release", "environment"}) {
      Object v = sentry.getValue(k);
      if (v != null) {
        d.put(k, v);
      }
    }
    if (d.getString("web_url") == null && d.getString("permalink") != null) {
      d.put("web_url", d.getString("permalink"));
    }
    if (e.stack() != null) {
      String s = e.stack();
      // The crashing frame is last in a Sentry stack: keep the end.
      d.put("stack", s.length() > 2000 ? s.substring(s.length() - 2000) : s);
    }
    return Redactor.json(d);
  }
}
