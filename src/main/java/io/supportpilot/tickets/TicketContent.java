package io.supportpilot.tickets;

import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.json.JsonObject;

/**
 * What an auto-ticket says about its error: the subject, category and priority of a new ticket, the error sample
 * stored on it, and the texts of its system messages (the first one and "occurred again"). Pure functions.
 */
final class TicketContent {

  private static final int SAMPLE_STACK_CHARS = 4000;

  private TicketContent() {
  }

  /** The subject of a new ticket: the error type and the first line of its message, at most 160 characters. */
  static String subject(ErrorEvent e) {
    String first = e.message() == null ? "" : e.message().strip();
    int nl = first.indexOf('\n');
    if (nl >= 0) {
      first = first.substring(0, nl);
    }
    String s = e.errorType() + (first.isEmpty() ? "" : ": " + first);
    return s.length() > 160 ? s.substring(0, 157) + "..." : s;
  }

  /** The category of a new ticket, from the status code, error type and error code. */
  static String category(ErrorEvent e) {
    String t = (e.errorType() + " " + (e.errorCode() == null ? "" : e.errorCode())).toLowerCase();
    Integer s = e.statusCode();
    if (s != null && (s == 401 || s == 403) || t.contains("auth") || t.contains("token")) {
      return "authentication";
    }
    if (s != null && s == 429 || t.contains("rate")) {
      return "rate_limit";
    }
    if (t.contains("timeout")) {
      return "performance";
    }
    if (t.contains("validation") || s != null && s >= 400 && s < 500) {
      return "usage";
    }
    return "technical";
  }

  /** The priority of a new ticket, from the level and status code. */
  static String priority(ErrorEvent e) {
    String level = e.level() == null ? "" : e.level().toLowerCase();
    if (level.equals("fatal")) {
      return "urgent";
    }
    Integer s = e.statusCode();
    if (s != null && s >= 500) {
      return "high";
    }
    if (s != null && (s == 401 || s == 403)) {
      return "high";
    }
    if (level.equals("warning") || level.equals("info") || level.equals("debug")) {
      return "low";
    }
    return "normal";
  }

  /** The error as the JSON sample stored on its ticket ({@code last_error_sample}), the stack cut short. */
  static String sample(ErrorEvent e) {
    JsonObject o = new JsonObject().put("source", e.source()).put("event_id", e.eventId())
        .put("error_type", e.errorType()).put("error_code", e.errorCode()).put("status_code", e.statusCode())
        .put("level", e.level()).put("message", e.message()).put("tool", e.tool())
        .put("connection_id", e.connectionId()).put("occurred_at", e.occurredAt().toString());
    if (e.stack() != null) {
      o.put("stack", e.stack().length() > SAMPLE_STACK_CHARS ? e.stack().substring(0, SAMPLE_STACK_CHARS)
          : e.stack());
    }
    if (e.contextJson() != null) {
      try {
        o.put("context", new JsonObject(e.contextJson()));
      } catch (RuntimeException ignored) {
        o.put("context", e.contextJson());
      }
    }
    return o.encode();
  }

  /** The system message of a new ticket: the context of its newest error, hit {@code count} times. */
  static String firstMessage(ErrorEvent e, int count) {
    StringBuilder sb = new StringBuilder();
    sb.append("Automatic ticket for an error this customer hit");
    if (count > 1) {
      sb.append(" (").append(count).append(" times)");
    }
    sb.append(".\nError: ").append(e.errorType());
    if (e.errorCode() != null) {
      sb.append(" (code ").append(e.errorCode()).append(')');
    }
    if (e.statusCode() != null) {
      sb.append("\nHTTP status: ").append(e.statusCode());
    }
    if (e.tool() != null) {
      sb.append("\nTool: ").append(e.tool());
    }
    if (e.connectionId() != null) {
      sb.append("\nConnection: ").append(e.connectionId());
    }
    sb.append("\nSource: ").append(e.source()).append(", event ").append(e.eventId());
    sb.append("\nOccurred at: ").append(e.occurredAt());
    if (e.message() != null) {
      sb.append("\nMessage: ").append(e.message());
    }
    if (e.contextJson() != null) {
      sb.append("\nContext: ").append(e.contextJson().length() > 2000 ? e.contextJson().substring(0, 2000) + "..."
          : e.contextJson());
    }
    if (e.stack() != null) {
      sb.append("\nStack:\n").append(e.stack().length() > SAMPLE_STACK_CHARS
          ? e.stack().substring(0, SAMPLE_STACK_CHARS) + "..." : e.stack());
    }
    return sb.toString();
  }

  /** The "occurred again" message: {@code count} new occurrences, {@code total} in all, and the newest one. */
  static String againMessage(ErrorEvent e, int count, long total) {
    return "The error occurred again" + (count > 1 ? " (" + count + " times)" : "") + "; " + total
        + " occurrences in total. Newest at " + e.occurredAt() + " (" + e.source() + " event " + e.eventId()
        + ")" + (e.message() == null ? "" : ": " + e.message());
  }
}
