package io.supportpilot.devops;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * Reads a Sentry issue and its latest event through the Sentry web API ({@code Authorization: Bearer} with an
 * auth token that needs only {@code event:read}), and condenses them for the agent: the issue's counts and times,
 * the exception, the last frames (crashing frame last, as Sentry sends them), tags and the last breadcrumbs.
 * Everything is passed through the {@link Redactor}.
 */
final class SentryClient {

  /** A Sentry answer that is not a success, with its status. */
  static final class SentryError extends RuntimeException {

    final int status;

    SentryError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private static final Pattern ISSUE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final int MAX_FRAMES = 20;
  static final int MAX_BREADCRUMBS = 20;

  private final ApiGateway gateway;
  private final DevopsConfig.Sentry cfg;

  SentryClient(ApiGateway gateway, DevopsConfig.Sentry cfg) {
    this.gateway = gateway;
    this.cfg = cfg;
  }

  /** True when an API token is configured. */
  boolean configured() {
    return cfg.token().isPresent();
  }

  /** The issue and its latest event, condensed; fails with {@link SentryError} (404 for an unknown issue). */
  Future<JsonObject> issue(String issueId) {
    if (issueId == null || !ISSUE_ID.matcher(issueId).matches()) {
      return Future.failedFuture(new SentryError(400, "issue_id must be a Sentry issue id such as 4711"));
    }
    if (!configured()) {
      return Future.failedFuture(new SentryError(401, "no Sentry API token is configured (SENTRY_API_TOKEN)"));
    }
    String base = cfg.organization().isEmpty() ? cfg.baseUrl() + "/api/0/issues/" + issueId + "/"
        : cfg.baseUrl() + "/api/0/organizations/" + cfg.organization() + "/issues/" + issueId + "/";
    return get(base).compose(issue -> get(base + "events/latest/")
        .map(event -> new JsonObject().put("issue", condenseIssue(issue)).put("latest_event", condenseEvent(event)))
        .recover(e -> e instanceof SentryError && ((SentryError) e).status == 404
            ? Future.succeededFuture(new JsonObject().put("issue", condenseIssue(issue)))
            : Future.failedFuture(e)));
  }

  private Future<JsonObject> get(String url) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + cfg.token().orElse(""))
        .add("Accept", "application/json").add("User-Agent", "supportpilot-devops");
    return gateway.call(HttpMethod.GET, url, h, null).compose(r -> {
      if (r.ok()) {
        return Future.succeededFuture(r.json());
      }
      return Future.failedFuture(new SentryError(r.status(), "Sentry answered " + r.status()
          + (r.message().isEmpty() ? "" : ": " + r.message())));
    });
  }

  static JsonObject condenseIssue(JsonObject i) {
    JsonObject out = new JsonObject();
    copy(i, out, "id", "shortId", "title", "culprit", "level", "status", "substatus", "count", "userCount",
        "firstSeen", "lastSeen", "permalink", "platform");
    if (i.getValue("project") instanceof JsonObject) {
      out.put("project", i.getJsonObject("project").getString("slug"));
    }
    if (i.getValue("metadata") instanceof JsonObject) {
      out.put("metadata", i.getJsonObject("metadata"));
    }
    return Redactor.json(out);
  }

  static JsonObject condenseEvent(JsonObject e) {
    JsonObject out = new JsonObject();
    copy(e, out, "eventID", "id", "dateCreated", "message", "title", "platform");
    JsonArray exceptions = new JsonArray();
    JsonArray frames = new JsonArray();
    JsonArray crumbs = new JsonArray();
    JsonArray entries = e.getValue("entries") instanceof JsonArray ? e.getJsonArray("entries") : new JsonArray();
    for (Object o : entries) {
      if (!(o instanceof JsonObject)) {
        continue;
      }
      JsonObject entry = (JsonObject) o;
      JsonObject data = entry.getValue("data") instanceof JsonObject ? entry.getJsonObject("data") : new JsonObject();
      JsonArray values = data.getValue("values") instanceof JsonArray ? data.getJsonArray("values") : new JsonArray();
      if ("exception".equals(entry.getString("type"))) {
        for (Object v : values) {
          if (v instanceof JsonObject) {
            JsonObject ex = (JsonObject) v;
            exceptions.add(new JsonObject().put("type", ex.getString("type")).put("value", ex.getString("value")));
            JsonObject st = ex.getValue("stacktrace") instanceof JsonObject ? ex.getJsonObject("stacktrace") : null;
            if (st != null && st.getValue("frames") instanceof JsonArray) {
              frames = frames(st.getJsonArray("frames"));
            }
          }
        }
      } else if ("breadcrumbs".equals(entry.getString("type"))) {
        for (int i = Math.max(0, values.size() - MAX_BREADCRUMBS); i < values.size(); i++) {
          if (values.getValue(i) instanceof JsonObject) {
            JsonObject b = values.getJsonObject(i);
            JsonObject c = new JsonObject();
            copy(b, c, "timestamp", "category", "level", "message", "type");
            crumbs.add(c);
          }
        }
      }
    }
    out.put("exception", exceptions).put("frames", frames).put("breadcrumbs", crumbs);
    JsonObject tags = new JsonObject();
    if (e.getValue("tags") instanceof JsonArray) {
      for (Object t : e.getJsonArray("tags")) {
        if (t instanceof JsonObject && ((JsonObject) t).getValue("key") instanceof String) {
          tags.put(((JsonObject) t).getString("key"), String.valueOf(((JsonObject) t).getValue("value")));
        } else if (t instanceof JsonArray && ((JsonArray) t).size() == 2) {
          tags.put(String.valueOf(((JsonArray) t).getValue(0)), String.valueOf(((JsonArray) t).getValue(1)));
        }
      }
    }
    out.put("tags", tags);
    return Redactor.json(out);
  }

  /** The last frames (crashing frame last), with the fields a reader needs. */
  static JsonArray frames(JsonArray all) {
    JsonArray out = new JsonArray();
    for (int i = Math.max(0, all.size() - MAX_FRAMES); i < all.size(); i++) {
      if (all.getValue(i) instanceof JsonObject) {
        JsonObject f = all.getJsonObject(i);
        JsonObject c = new JsonObject();
        copy(f, c, "filename", "absPath", "abs_path", "module", "function", "lineNo", "lineno", "inApp", "in_app",
            "context_line");
        out.add(c);
      }
    }
    return out;
  }

  private static void copy(JsonObject from, JsonObject to, String... keys) {
    for (String k : keys) {
      Object v = from.getValue(k);
      if (v != null) {
        to.put(k, v);
      }
    }
  }
}
