package io.supportpilot.desk;

import io.supportpilot.admin.AdminNames;
import io.supportpilot.admin.AdminPrincipal;
import io.supportpilot.admin.Role;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Set;
import java.util.regex.Pattern;

/** The conversation queue under {@code /api/admin/conversations}: list, detail, reply, note, change, claim, resolve. */
final class DeskRoutes {

  static final int MAX_CONTENT = 10_000;
  static final int MAX_SUMMARY = 4_000;
  private static final Set<String> PRIORITIES = Set.of("low", "normal", "high", "urgent");
  private static final Pattern CATEGORY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,49}");

  private final DeskStore store;
  private final AdminNames names;
  private final Clock clock;

  DeskRoutes(DeskStore store, AdminNames names, Clock clock) {
    this.store = store;
    this.names = names;
    this.clock = clock;
  }

  void mount(Router router) {
    router.get("/api/admin/conversations").handler(this::list);
    router.get("/api/admin/conversations/:id").handler(this::detail);
    router.post("/api/admin/conversations/:id/replies").handler(this::reply);
    router.post("/api/admin/conversations/:id/notes").handler(this::note);
    router.patch("/api/admin/conversations/:id").handler(this::update);
    router.post("/api/admin/conversations/:id/claim").handler(this::claim);
    router.post("/api/admin/conversations/:id/resolve").handler(this::resolve);
  }

  private void list(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    QueueQuery q = QueueQuery.parse(rc.queryParams(), clock.instant());
    store.list(q).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void detail(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.VIEWER);
    store.detail(rc.pathParam("id"), who).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void reply(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.AGENT);
    JsonObject body = JsonBody.of(rc);
    String content = JsonBody.requiredString(body, "content", MAX_CONTENT);
    long version = version(body);
    store.reply(rc.pathParam("id"), version, content, who).onSuccess(json -> created(rc, json)).onFailure(rc::fail);
  }

  private void note(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.AGENT);
    JsonObject body = JsonBody.of(rc);
    String content = JsonBody.requiredString(body, "content", MAX_CONTENT);
    store.note(rc.pathParam("id"), content, who).onSuccess(json -> created(rc, json)).onFailure(rc::fail);
  }

  private void update(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.AGENT);
    JsonObject body = JsonBody.of(rc);
    long version = version(body);
    String status = JsonBody.optionalString(body, "status", 30);
    if (status != null && !StatusTransitions.ALL.contains(status)) {
      throw HttpFailure.badRequest("status must be one of open, waiting_support, waiting_customer, escalated, "
          + "resolved, closed");
    }
    String priority = JsonBody.optionalString(body, "priority", 10);
    if (priority != null && !PRIORITIES.contains(priority)) {
      throw HttpFailure.badRequest("priority must be low, normal, high or urgent");
    }
    String category = JsonBody.optionalString(body, "category", 50);
    if (category != null && !CATEGORY.matcher(category).matches()) {
      throw HttpFailure.badRequest("category must be 1-50 lower-case letters, digits, '_' or '-'");
    }
    boolean unassign = body.containsKey("assigned_to") && body.getValue("assigned_to") == null;
    String assignee = JsonBody.optionalString(body, "assigned_to", 64);
    if (status == null && priority == null && category == null && assignee == null && !unassign) {
      throw HttpFailure.badRequest("send at least one of status, priority, category, assigned_to");
    }
    Future<Boolean> known = assignee == null ? Future.succeededFuture(true) : names.exists(assignee);
    known.compose(ok -> ok ? store.update(rc.pathParam("id"), version, status, priority, category, assignee,
            unassign, who)
            : Future.failedFuture(HttpFailure.badRequest("assigned_to " + assignee + " is not a live admin name")))
        .onSuccess(rc::json)
        .onFailure(rc::fail);
  }

  private void claim(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.AGENT);
    store.claim(rc.pathParam("id"), who).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void resolve(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.AGENT);
    JsonObject body = JsonBody.of(rc);
    long version = version(body);
    String summary = JsonBody.requiredString(body, "resolution_summary", MAX_SUMMARY);
    String article = JsonBody.optionalString(body, "article_slug", 200);
    store.resolve(rc.pathParam("id"), version, summary, article == null || article.isEmpty() ? null : article, who)
        .onSuccess(rc::json).onFailure(rc::fail);
  }

  private static long version(JsonObject body) {
    Object v = body.getValue("version");
    if (!(v instanceof Integer) && !(v instanceof Long)) {
      throw HttpFailure.badRequest("version is required: the conversation's version as you loaded it (a whole number)");
    }
    return ((Number) v).longValue();
  }

  private static void created(RoutingContext rc, JsonObject json) {
    rc.response().setStatusCode(201);
    rc.json(json);
  }
}
