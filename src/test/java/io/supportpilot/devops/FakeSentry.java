package io.supportpilot.devops;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local fake of the Sentry web API's issue endpoints ({@code /api/0/issues/{id}/},
 * {@code /api/0/organizations/{org}/issues/{id}/} and their {@code events/latest/}), in Sentry's wire format
 * (camelCase issue fields, {@code count} as a string, event {@code entries} with exception and breadcrumbs,
 * tags as key/value objects). Refuses a missing token (401 "Authentication credentials were not provided."), a
 * wrong one (401 "Invalid token"), unknown issues (404), and can answer 429 with Retry-After and
 * {@code X-Sentry-Rate-Limit-Remaining: 0}. Every answer carries the {@code X-Sentry-Rate-Limit-*} headers.
 */
final class FakeSentry implements AutoCloseable {

  static final String TOKEN = "sntryu_test0000000000000000000000000000000000";
  private static final Pattern ISSUE = Pattern.compile(
      "^/api/0/(?:organizations/([^/]+)/)?issues/([^/]+)/(events/latest/)?$");

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Map<String, JsonObject> issues = new ConcurrentHashMap<>();
  private final Map<String, JsonObject> events = new ConcurrentHashMap<>();
  private final Queue<Integer> rateLimited = new ConcurrentLinkedQueue<>();
  private final List<String> received = Collections.synchronizedList(new ArrayList<>());
  private final List<String> refusals = Collections.synchronizedList(new ArrayList<>());

  FakeSentry() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Registers an issue and its latest event. */
  FakeSentry issue(String id, JsonObject issue, JsonObject latestEvent) {
    issues.put(id, issue);
    events.put(id, latestEvent);
    return this;
  }

  /** The next request answers 429 with this Retry-After (seconds). */
  FakeSentry rateLimitNext(int retryAfterSeconds) {
    rateLimited.add(retryAfterSeconds);
    return this;
  }

  List<String> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  List<String> refusals() {
    synchronized (refusals) {
      return new ArrayList<>(refusals);
    }
  }

  @Override
  public void close() {
    vertx.close();
  }

  /** An issue as the API returns it. */
  static JsonObject issueJson(String id, String title, String culprit, int count, int users) {
    return new JsonObject().put("id", id).put("shortId", "MCP-" + id).put("title", title).put("culprit", culprit)
        .put("level", "error").put("status", "unresolved").put("substatus", "new").put("count", String.valueOf(count))
        .put("userCount", users).put("firstSeen", "2026-11-30T08:00:00.000000Z")
        .put("lastSeen", "2026-12-01T05:00:00.000000Z")
        .put("permalink", "https://acme.sentry.io/issues/" + id + "/").put("platform", "node")
        .put("project", new JsonObject().put("id", "42").put("slug", "mcp-server").put("name", "mcp-server"))
        .put("metadata", new JsonObject().put("type", title.split(":")[0]).put("value", title));
  }

  /** A latest event as the API returns it: exception entry (frames oldest first) and breadcrumbs. */
  static JsonObject eventJson(String eventId, String type, String value, JsonArray frames) {
    return new JsonObject().put("eventID", eventId).put("id", eventId).put("dateCreated", "2026-12-01T05:00:00Z")
        .put("title", type + ": " + value).put("platform", "node")
        .put("entries", new JsonArray()
            .add(new JsonObject().put("type", "exception").put("data", new JsonObject().put("values", new JsonArray()
                .add(new JsonObject().put("type", type).put("value", value)
                    .put("stacktrace", new JsonObject().put("frames", frames))))))
            .add(new JsonObject().put("type", "breadcrumbs").put("data", new JsonObject().put("values", new JsonArray()
                .add(new JsonObject().put("timestamp", "2026-12-01T04:59:59Z").put("category", "http")
                    .put("level", "info").put("message", "POST https://start.exactonline.nl/api/oauth2/token"))
                .add(new JsonObject().put("timestamp", "2026-12-01T05:00:00Z").put("category", "auth")
                    .put("level", "error").put("message", "refresh with Authorization: Bearer abcdefghijklmnop1234"))))))
        .put("tags", new JsonArray().add(new JsonObject().put("key", "environment").put("value", "production"))
            .add(new JsonObject().put("key", "mcp.tool").put("value", "sync_invoices")));
  }

  static JsonObject frame(String file, String function, int line, boolean inApp) {
    return new JsonObject().put("filename", file).put("absPath", "/app/" + file).put("function", function)
        .put("lineNo", line).put("inApp", inApp).put("context_line", "  // " + function);
  }

  private void handle(HttpServerRequest req) {
    received.add(req.method() + " " + req.path());
    String auth = req.getHeader("Authorization");
    if (auth == null) {
      refuse(req, 401, "Authentication credentials were not provided.");
      return;
    }
    if (!auth.equals("Bearer " + TOKEN)) {
      refuse(req, 401, "Invalid token");
      return;
    }
    Integer wait = rateLimited.poll();
    if (wait != null) {
      req.response().putHeader("Retry-After", String.valueOf(wait))
          .putHeader("X-Sentry-Rate-Limit-Remaining", "0")
          .putHeader("X-Sentry-Rate-Limit-Reset", String.valueOf(Instant.now().getEpochSecond() + wait));
      refuse(req, 429, "You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds");
      return;
    }
    Matcher m = ISSUE.matcher(req.path());
    if (req.method() != HttpMethod.GET || !m.matches()) {
      refuse(req, 404, "The requested resource does not exist");
      return;
    }
    String id = m.group(2);
    JsonObject body = m.group(3) == null ? issues.get(id) : events.get(id);
    if (body == null) {
      refuse(req, 404, "The requested resource does not exist");
      return;
    }
    answer(req, 200, body);
  }

  private void refuse(HttpServerRequest req, int status, String detail) {
    refusals.add(status + " " + req.path() + ": " + detail);
    answer(req, status, new JsonObject().put("detail", detail));
  }

  private void answer(HttpServerRequest req, int status, JsonObject body) {
    var r = req.response().setStatusCode(status).putHeader("content-type", "application/json");
    if (r.headers().get("X-Sentry-Rate-Limit-Remaining") == null) {
      r.putHeader("X-Sentry-Rate-Limit-Limit", "40").putHeader("X-Sentry-Rate-Limit-Remaining", "39")
          .putHeader("X-Sentry-Rate-Limit-Reset", String.valueOf(Instant.now().getEpochSecond() + 1));
    }
    r.putHeader("X-Sentry-Rate-Limit-ConcurrentLimit", "25").putHeader("X-Sentry-Rate-Limit-ConcurrentRemaining", "24")
        .end(body.encode());
  }
}
