package io.supportpilot.admin;

import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.regex.Pattern;

/**
 * What the engine tells its admins (spikes, escalations, learning suggestions, DevOps analyses, rule alerts), read
 * back from {@code admin_notifications}: {@code GET /api/admin/notifications} lists them newest first with the unread
 * count ({@code unread=true}, {@code kind=}, {@code limit=} 1-200, {@code before=} the last id of the previous page);
 * {@code POST /api/admin/notifications/{id}/read} marks one read, {@code POST /api/admin/notifications/read} marks
 * every unread one (up to {@code up_to}, an id, when given). Any admin role reads; agents and admins mark.
 */
final class NotificationRoutes {

  static final int MAX_LIMIT = 200;
  private static final Pattern KIND = Pattern.compile("[a-z0-9_]{1,50}");
  private static final String LIST = "SELECT id, kind, title, details, read_at, created_at FROM admin_notifications"
      + " WHERE ($1::boolean IS NOT TRUE OR read_at IS NULL) AND ($2::text IS NULL OR kind = $2)"
      + " AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT $4";
  private static final String UNREAD = "SELECT count(*) FROM admin_notifications WHERE read_at IS NULL";
  private static final String MARK = "UPDATE admin_notifications SET read_at = COALESCE(read_at, now()) WHERE id = $1"
      + " RETURNING read_at";
  private static final String MARK_ALL = "UPDATE admin_notifications SET read_at = now()"
      + " WHERE read_at IS NULL AND ($1::bigint IS NULL OR id <= $1)";

  private final Pool pool;

  NotificationRoutes(Pool pool) {
    this.pool = pool;
  }

  void mount(Router router) {
    router.get("/api/admin/notifications").handler(this::list);
    router.post("/api/admin/notifications/read").handler(this::markAll);
    router.post("/api/admin/notifications/:id/read").handler(this::mark);
  }

  private void list(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    MultiMap q = rc.queryParams();
    Boolean unread = bool(q.get("unread"), "unread");
    String kind = q.get("kind");
    if (kind != null && !KIND.matcher(kind).matches()) {
      throw HttpFailure.badRequest("kind must be 1 to 50 lower-case letters, digits or underscores");
    }
    Long before = id(q.get("before"), "before");
    long limit = q.get("limit") == null ? 50 : number(q.get("limit"), "limit");
    if (limit < 1 || limit > MAX_LIMIT) {
      throw HttpFailure.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT);
    }
    Future<JsonArray> rows = pool.preparedQuery(LIST).execute(Tuple.of(unread, kind, before, limit)).map(rs -> {
      JsonArray out = new JsonArray();
      rs.forEach(r -> out.add(json(r)));
      return out;
    });
    Future<Long> count = pool.query(UNREAD).execute().map(rs -> rs.iterator().next().getLong(0));
    Future.all(rows, count).map(v -> {
      JsonArray list = rows.result();
      JsonObject out = new JsonObject().put("notifications", list).put("unread", count.result());
      if (list.size() == limit) {
        out.put("next_before", list.getJsonObject(list.size() - 1).getLong("id"));
      }
      return out;
    }).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void mark(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.AGENT);
    long id = id(rc.pathParam("id"), "the notification id");
    pool.preparedQuery(MARK).execute(Tuple.of(id)).map(rs -> {
      if (rs.rowCount() == 0) {
        throw HttpFailure.notFound("no notification " + id);
      }
      return new JsonObject().put("id", id).put("read_at", rs.iterator().next().getOffsetDateTime(0).toString());
    }).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void markAll(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.AGENT);
    JsonObject body = rc.body() == null || rc.body().buffer() == null || rc.body().buffer().length() == 0
        ? new JsonObject() : JsonBody.of(rc);
    for (String field : body.fieldNames()) {
      if (!field.equals("up_to")) {
        throw HttpFailure.badRequest("unknown field '" + field + "' (expected only 'up_to')");
      }
    }
    Object upTo = body.getValue("up_to");
    if (upTo != null && !(upTo instanceof Number && ((Number) upTo).longValue() > 0
        && ((Number) upTo).doubleValue() == ((Number) upTo).longValue())) {
      throw HttpFailure.badRequest("up_to must be a notification id (a positive whole number)");
    }
    Long until = upTo == null ? null : ((Number) upTo).longValue();
    pool.preparedQuery(MARK_ALL).execute(Tuple.of(until))
        .map(rs -> new JsonObject().put("marked", rs.rowCount()))
        .onSuccess(rc::json).onFailure(rc::fail);
  }

  private static JsonObject json(Row r) {
    OffsetDateTime read = r.getOffsetDateTime("read_at");
    Object details = r.getValue("details");
    return new JsonObject().put("id", r.getLong("id")).put("kind", r.getString("kind"))
        .put("title", r.getString("title"))
        .put("details", details instanceof JsonObject ? details : new JsonObject())
        .put("read_at", read == null ? null : read.toString())
        .put("created_at", r.getOffsetDateTime("created_at").toString());
  }

  private static Boolean bool(String v, String name) {
    if (v == null) {
      return null;
    }
    if (!v.equals("true") && !v.equals("false")) {
      throw HttpFailure.badRequest(name + " must be true or false");
    }
    return Boolean.valueOf(v);
  }

  private static Long id(String v, String name) {
    if (v == null) {
      return null;
    }
    long n = number(v, name);
    if (n < 1) {
      throw HttpFailure.badRequest(name + " must be a positive whole number");
    }
    return n;
  }

  private static long number(String v, String name) {
    if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(Character::isDigit)) {
      throw HttpFailure.badRequest(name + " must be a positive whole number");
    }
    return Long.parseLong(v);
  }
}
