package io.supportpilot.learning;

import io.supportpilot.admin.AdminPrincipal;
import io.supportpilot.admin.Role;
import io.supportpilot.bus.Addresses;
import io.supportpilot.knowledge.KnowledgeService;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The review API: pending pattern suggestions and article drafts with their source conversations, approve
 * (optionally edited; live and re-indexed at once) and reject with a reason; the optimiser's pattern changes and
 * their revert; and a run-now of the learning jobs.
 */
final class SuggestionRoutes {

  private static final Set<String> STATUSES = Set.of("pending_review", "approved", "auto_approved", "rejected");
  private static final Set<String> KINDS = Set.of("pattern", "article");

  private final Vertx vertx;
  private final Pool pool;
  private final SuggestionStore store;
  private final PatternOptimiser optimiser;
  private final Supplier<KnowledgeService> knowledge;

  SuggestionRoutes(Vertx vertx, Pool pool, SuggestionStore store, PatternOptimiser optimiser,
      Supplier<KnowledgeService> knowledge) {
    this.vertx = vertx;
    this.pool = pool;
    this.store = store;
    this.optimiser = optimiser;
    this.knowledge = knowledge;
  }

  void mount(Router router) {
    router.get("/api/admin/suggestions").handler(this::list);
    router.get("/api/admin/suggestions/:id").handler(this::one);
    router.post("/api/admin/suggestions/:id/approve").handler(this::approve);
    router.post("/api/admin/suggestions/:id/reject").handler(this::reject);
    router.get("/api/admin/learning/changes").handler(this::changes);
    router.post("/api/admin/learning/changes/:id/revert").handler(this::revert);
    router.post("/api/admin/learning/run").handler(this::run);
  }

  private void list(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    String status = rc.queryParams().contains("status") ? rc.queryParams().get("status") : "pending_review";
    if (!"all".equals(status) && !STATUSES.contains(status)) {
      throw HttpFailure.badRequest("status must be pending_review, approved, auto_approved, rejected or all");
    }
    String kind = rc.queryParams().get("kind");
    if (kind != null && !KINDS.contains(kind)) {
      throw HttpFailure.badRequest("kind must be pattern or article");
    }
    int limit = limit(rc.queryParams().get("limit"));
    store.list("all".equals(status) ? null : status, kind, limit)
        .compose(this::withSources)
        .onSuccess(items -> rc.json(new JsonObject().put("items", items)))
        .onFailure(rc::fail);
  }

  private void one(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    store.get(id(rc)).compose(s -> withSources(List.of(s))).onSuccess(a -> rc.json(a.getJsonObject(0)))
        .onFailure(rc::fail);
  }

  private void approve(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.ADMIN);
    long id = id(rc);
    JsonObject body = rc.body().length() == 0 ? new JsonObject() : JsonBody.of(rc);
    Object raw = body.getValue("edits");
    if (raw != null && !(raw instanceof JsonObject)) {
      throw HttpFailure.badRequest("edits must be an object of the fields to change");
    }
    JsonObject edits = raw == null ? new JsonObject() : (JsonObject) raw;
    store.approve(id, edits, who.name(), false)
        .compose(s -> reindex().map(s))
        .onSuccess(s -> rc.json(s.toJson()))
        .onFailure(rc::fail);
  }

  private void reject(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.ADMIN);
    String reason = JsonBody.requiredString(JsonBody.of(rc), "reason", 1000);
    store.reject(id(rc), reason, who.name()).onSuccess(s -> rc.json(s.toJson())).onFailure(rc::fail);
  }

  private void changes(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    optimiser.changes(rc.queryParams().get("pattern_id"), limit(rc.queryParams().get("limit")), null)
        .onSuccess(l -> rc.json(new JsonObject().put("items", new JsonArray(List.copyOf(l)))))
        .onFailure(rc::fail);
  }

  private void revert(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.ADMIN);
    optimiser.revert(id(rc), who.name()).compose(c -> reindex().map(c)).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void run(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.ADMIN);
    boolean optimise = !"false".equals(rc.queryParams().get("optimise"));
    vertx.eventBus().<JsonObject>request(Addresses.LEARNING_RUN, new JsonObject().put("optimise", optimise),
            new DeliveryOptions().setSendTimeout(300_000))
        .onSuccess(m -> rc.json(m.body()))
        .onFailure(e -> rc.fail(HttpFailure.unavailable("the learning run failed: " + e.getMessage(), 5)));
  }

  private Future<JsonArray> withSources(List<SuggestionStore.Suggestion> list) {
    String[] ids = list.stream().flatMap(s -> s.sources().stream()).distinct().toArray(String[]::new);
    return pool.preparedQuery("SELECT id, subject, language, status, satisfaction_rating, resolved_article_slug "
            + "FROM support_conversations WHERE id = ANY($1)").execute(Tuple.of(ids)).map(rs -> {
              Map<String, JsonObject> byId = new HashMap<>();
              rs.forEach(r -> byId.put(r.getString(0), new JsonObject().put("id", r.getString(0))
                  .put("subject", r.getString(1)).put("language", r.getString(2)).put("status", r.getString(3))
                  .put("satisfaction_rating", r.getInteger(4)).put("resolved_article_slug", r.getString(5))));
              JsonArray out = new JsonArray();
              for (SuggestionStore.Suggestion s : list) {
                JsonArray sources = new JsonArray();
                s.sources().forEach(id -> sources.add(byId.getOrDefault(id, new JsonObject().put("id", id)
                    .put("erased", true))));
                out.add(s.toJson().put("sources", sources));
              }
              return out;
            });
  }

  private Future<Void> reindex() {
    KnowledgeService k = knowledge.get();
    return k == null ? Future.succeededFuture() : k.refreshChanged();
  }

  private static long id(RoutingContext rc) {
    try {
      return Long.parseLong(rc.pathParam("id"));
    } catch (NumberFormatException e) {
      throw HttpFailure.badRequest("the id must be a whole number, got '" + rc.pathParam("id") + "'");
    }
  }

  private static int limit(String raw) {
    if (raw == null) {
      return 50;
    }
    try {
      int n = Integer.parseInt(raw);
      if (n >= 1 && n <= 500) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the error below
    }
    throw HttpFailure.badRequest("limit must be a whole number from 1 to 500");
  }
}
