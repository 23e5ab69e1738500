package io.supportpilot.ingest;

import static io.supportpilot.ingest.PayloadFields.clean;
import static io.supportpilot.ingest.PayloadFields.firstText;
import static io.supportpilot.ingest.PayloadFields.intOrNull;
import static io.supportpilot.ingest.PayloadFields.limit;
import static io.supportpilot.ingest.PayloadFields.object;
import static io.supportpilot.ingest.PayloadFields.requiredText;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.web.HttpFailure;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps a parsed Sentry integration webhook (an event or an issue) to one {@link ErrorEvent} with its fingerprint.
 * Thread-safe.
 */
final class SentryEventMapper {

  /** Source name of Sentry events in {@code support_error_log.source}. */
  static final String SENTRY = "sentry";
  private static final int MAX_STACK_FRAMES = 100;

  private final JsonBodyReader json;

  /** A mapper that writes the event's context with {@code json}. */
  SentryEventMapper(JsonBodyReader json) {
    this.json = json;
  }

  /**
   * Normalises a Sentry integration webhook by its {@code Sentry-Hook-Resource}: {@code event_alert} and
   * {@code error} carry a full event, {@code issue} (created, unresolved) carries no stack. Returns null for
   * resources and actions that are acknowledged and ignored.
   */
  ErrorEvent map(String resource, JsonNode root, Instant receivedAt) {
    if (!root.isObject()) {
      throw HttpFailure.badRequest("the Sentry payload must be a JSON object");
    }
    String r = resource == null ? "" : resource.trim();
    switch (r) {
      case "event_alert":
        return sentryEvent(object(root.path("data"), "data").path("event"), "data.event", receivedAt);
      case "error": {
        // The docs' text says data.event, their sample payload data.error: take whichever is there.
        JsonNode data = object(root.path("data"), "data");
        return data.path("error").isObject() || !data.path("event").isObject()
            ? sentryEvent(data.path("error"), "data.error", receivedAt)
            : sentryEvent(data.path("event"), "data.event", receivedAt);
      }
      case "issue":
        return sentryIssue(root, receivedAt);
      default:
        return null;
    }
  }

  private ErrorEvent sentryEvent(JsonNode ev, String at, Instant receivedAt) {
    object(ev, at);
    String eventId = requiredText(ev, "event_id", at + ".");
    JsonNode exception = lastException(ev);
    JsonNode metadata = ev.path("metadata");
    String errorType = firstText(exception.path("type"), metadata.path("type"));
    if (errorType == null) {
      errorType = ev.hasNonNull("title") ? ev.get("title").asText() : "Error";
    }
    String message = firstText(exception.path("value"), metadata.path("value"), ev.path("message"),
        ev.path("title"));
    JsonNode frames = exception.path("stacktrace").path("frames");
    if (!frames.isArray()) {
      frames = ev.path("stacktrace").path("frames");
    }
    List<String> inApp = new ArrayList<>(Fingerprints.FRAMES);
    String stack = null;
    if (frames.isArray() && frames.size() > 0) {
      addInAppFrames(frames, inApp);
      stack = stackText(frames);
    }
    ObjectNode tags = tags(ev.path("tags"));
    JsonNode user = ev.path("user");
    String userId = firstText(user.path("id"), tags.path("user_id"), tags.path("user.id"));
    String tool = firstText(tags.path("mcp.tool"), tags.path("tool"));
    String connectionId = firstText(tags.path("connection_id"));
    String errorCode = firstText(tags.path("error_code"), exception.path("mechanism").path("data").path("error_type"));
    Integer status = intOrNull(firstText(tags.path("http.status_code"), tags.path("status_code"),
        ev.path("contexts").path("response").path("status_code")));
    String level = ev.path("level").asText("error");
    Instant occurred = sentryTime(ev, at, receivedAt);
    ObjectNode ctx = eventContext(ev, tags, user);
    String fp = Fingerprints.of(errorType, errorCode, message, inApp);
    return new ErrorEvent(SENTRY, limit(eventId, "event_id", at), limit(userId, "user.id", at),
        limit(connectionId, "tags.connection_id", at), limit(tool, "tags.mcp.tool", at),
        limit(errorType, "exception type", at), limit(errorCode, "tags.error_code", at), status,
        limit(level, "level", at), clean(message), clean(stack), json.storableJson(ctx), fp, occurred, receivedAt);
  }

  /** Adds the in-app frames nearest the crash to {@code inApp}, up to {@link Fingerprints#FRAMES} of them. */
  private static void addInAppFrames(JsonNode frames, List<String> inApp) {
    // Sentry sends frames oldest first: the crashing frame is last.
    for (int i = frames.size() - 1; i >= 0 && inApp.size() < Fingerprints.FRAMES; i--) {
      JsonNode f = frames.get(i);
      if (f.path("in_app").asBoolean(false)) {
        String module = f.path("module").asText(f.path("filename").asText("").toLowerCase());
        inApp.add(module + ":" + f.path("function").asText(""));
      }
    }
  }

  /** The stack as text, one {@code at function (file:line)} per frame, the last {@code MAX_STACK_FRAMES}. */
  private static String stackText(JsonNode frames) {
    StringBuilder sb = new StringBuilder();
    int from = Math.max(0, frames.size() - MAX_STACK_FRAMES);
    for (int i = from; i < frames.size(); i++) {
      JsonNode f = frames.get(i);
      sb.append("  at ").append(f.path("function").asText("?")).append(" (")
          .append(f.path("filename").asText(f.path("abs_path").asText("?")));
      if (f.has("lineno")) {
        sb.append(':').append(f.path("lineno").asText());
      }
      sb.append(')');
      if (f.path("in_app").asBoolean(false)) {
        sb.append(" [in_app]");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The event's context kept with it: Sentry's identifiers and links, tags, user, contexts, request line. */
  private static ObjectNode eventContext(JsonNode ev, ObjectNode tags, JsonNode user) {
    ObjectNode ctx = JsonNodeFactory.instance.objectNode();
    ObjectNode s = ctx.putObject("sentry");
    copy(ev, s, "issue_id", "web_url", "url", "project", "release", "environment", "platform", "culprit", "title",
        "logger");
    ctx.set("tags", tags);
    if (user.isObject()) {
      ctx.set("user", user);
    }
    if (ev.path("contexts").isObject()) {
      ctx.set("contexts", ev.get("contexts"));
    }
    if (ev.path("request").isObject()) {
      ObjectNode req = ctx.putObject("request");
      copy(ev.get("request"), req, "url", "method");
    }
    return ctx;
  }

  private ErrorEvent sentryIssue(JsonNode root, Instant receivedAt) {
    String action = root.path("action").asText("");
    if (!action.equals("created") && !action.equals("unresolved")) {
      return null;
    }
    JsonNode issue = object(object(root.path("data"), "data").path("issue"), "data.issue");
    JsonNode id = issue.get("id");
    if (id == null || !(id.isTextual() || id.isIntegralNumber()) || id.asText().isBlank()) {
      throw HttpFailure.badRequest("the field 'data.issue.id' is required (a string)");
    }
    JsonNode metadata = issue.path("metadata");
    String title = issue.path("title").asText("");
    String errorType = firstText(metadata.path("type"));
    if (errorType == null) {
      int colon = title.indexOf(':');
      errorType = colon > 0 ? title.substring(0, colon) : (title.isEmpty() ? "SentryIssue" : title);
    }
    String message = firstText(metadata.path("value"), issue.path("title"), issue.path("culprit"));
    ObjectNode ctx = JsonNodeFactory.instance.objectNode();
    ObjectNode s = ctx.putObject("sentry");
    s.put("issue_id", id.asText()).put("action", action);
    copy(issue, s, "shortId", "web_url", "permalink", "culprit", "title", "count", "userCount", "firstSeen",
        "lastSeen", "status", "substatus");
    if (issue.path("project").isObject()) {
      s.set("project", issue.get("project"));
    }
    Instant occurred = receivedAt;
    String last = issue.path("lastSeen").asText(null);
    if (last != null) {
      occurred = EventTimes.parseInstant(last, "data.issue.lastSeen");
    }
    String fp = Fingerprints.of(errorType, null, message, List.of());
    return new ErrorEvent(SENTRY, limit("issue:" + id.asText() + ":" + action, "data.issue.id", "data.issue"),
        null, null, null, limit(errorType, "metadata.type", "data.issue"), null, null,
        issue.path("level").asText("error"), clean(message), null, json.storableJson(ctx), fp, occurred, receivedAt);
  }

  private static JsonNode lastException(JsonNode ev) {
    JsonNode values = ev.path("exception").path("values");
    if (values.isArray()) {
      for (int i = values.size() - 1; i >= 0; i--) {
        if (values.get(i).isObject()) {
          return values.get(i);
        }
      }
    }
    return MissingNode.getInstance();
  }

  private static ObjectNode tags(JsonNode tags) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    if (tags.isArray()) {
      for (JsonNode t : tags) {
        if (t.isArray() && t.size() == 2 && t.get(0).isTextual()) {
          out.set(t.get(0).asText(), t.get(1));
        } else if (t.isObject() && t.path("key").isTextual()) {
          out.set(t.get("key").asText(), t.path("value"));
        }
      }
    } else if (tags.isObject()) {
      out.setAll((ObjectNode) tags);
    }
    return out;
  }

  private static Instant sentryTime(JsonNode ev, String at, Instant receivedAt) {
    JsonNode dt = ev.get("datetime");
    if (dt != null && dt.isTextual()) {
      Instant t = null;
      try {
        t = OffsetDateTime.parse(dt.asText()).toInstant();
      } catch (DateTimeParseException e) {
        // fall through to the epoch timestamp
      }
      if (t != null) {
        return EventTimes.inRange(t, at + ".datetime");
      }
    }
    JsonNode ts = ev.get("timestamp");
    if (ts != null && ts.isNumber()) {
      BigDecimal secs = ts.decimalValue();
      if (secs.compareTo(BigDecimal.valueOf(EventTimes.MIN_TIME.getEpochSecond())) < 0
          || secs.compareTo(BigDecimal.valueOf(EventTimes.MAX_TIME.getEpochSecond())) > 0) {
        throw HttpFailure.badRequest("the field '" + at + ".timestamp' is out of range: unix seconds between the "
            + "years 1 and 9999 are required");
      }
      return Instant.ofEpochMilli(secs.movePointRight(3).longValue());
    }
    return receivedAt;
  }

  private static void copy(JsonNode from, ObjectNode to, String... fields) {
    for (String f : fields) {
      JsonNode v = from.get(f);
      if (v != null && !v.isNull()) {
        to.set(f, v);
      }
    }
  }
}
