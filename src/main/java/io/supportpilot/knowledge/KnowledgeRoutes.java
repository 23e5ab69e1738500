package io.supportpilot.knowledge;

import io.supportpilot.triage.TriageEngine;
import io.supportpilot.triage.TriageQuery;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** Admin REST for articles and patterns, and {@code POST /api/triage}. */
final class KnowledgeRoutes {

  private static final Set<String> TRIAGE_FIELDS = Set.of("user_id", "language", "subject", "body", "error_code");

  private final KnowledgeService service;
  private final TriageEngine triage;

  KnowledgeRoutes(KnowledgeService service, TriageEngine triage) {
    this.service = service;
    this.triage = triage;
  }

  void mount(Router router) {
    router.get("/api/admin/articles").handler(this::listArticles);
    router.get("/api/admin/articles/:slug").handler(rc -> respond(rc, 200, service.article(rc.pathParam("slug"))
        .map(Article::toJson)));
    router.post("/api/admin/articles").handler(rc -> respond(rc, 201,
        service.createArticle(Article.fromJson(body(rc))).map(Article::toJson)));
    router.put("/api/admin/articles/:slug").handler(rc -> {
      JsonObject json = body(rc);
      String slug = rc.pathParam("slug");
      checkSameKey(json, "slug", slug);
      respond(rc, 200, service.updateArticle(Article.fromJson(json.copy().put("slug", slug))).map(Article::toJson));
    });
    router.patch("/api/admin/articles/:slug").handler(rc -> {
      JsonObject patch = body(rc);
      String slug = rc.pathParam("slug");
      checkSameKey(patch, "slug", slug);
      respond(rc, 200, service.article(slug).compose(a -> service.updateArticle(
          Article.fromJson(a.toJson().mergeIn(patch).put("slug", slug)))).map(Article::toJson));
    });
    router.delete("/api/admin/articles/:slug").handler(rc -> respond(rc, 204,
        service.deleteArticle(rc.pathParam("slug"), hard(rc)).map(v -> null)));

    router.get("/api/admin/patterns").handler(this::listPatterns);
    router.get("/api/admin/patterns/:id").handler(rc -> respond(rc, 200, service.pattern(rc.pathParam("id"))
        .map(SupportPattern::toJson)));
    router.post("/api/admin/patterns").handler(rc -> respond(rc, 201,
        service.createPattern(SupportPattern.fromJson(body(rc))).map(SupportPattern::toJson)));
    router.put("/api/admin/patterns/:id").handler(rc -> {
      JsonObject json = body(rc);
      String id = rc.pathParam("id");
      checkSameKey(json, "id", id);
      respond(rc, 200, service.updatePattern(SupportPattern.fromJson(json.copy().put("id", id)))
          .map(SupportPattern::toJson));
    });
    router.patch("/api/admin/patterns/:id").handler(rc -> {
      JsonObject patch = body(rc);
      String id = rc.pathParam("id");
      checkSameKey(patch, "id", id);
      respond(rc, 200, service.pattern(id).compose(p -> {
        JsonObject merged = p.toJson().mergeIn(patch).put("id", id);
        merged.remove("times_triggered");
        merged.remove("times_resolved");
        return service.updatePattern(SupportPattern.fromJson(merged));
      }).map(SupportPattern::toJson));
    });
    router.delete("/api/admin/patterns/:id").handler(rc -> respond(rc, 204,
        service.deletePattern(rc.pathParam("id"), hard(rc)).map(v -> null)));

    router.post("/api/triage").handler(rc -> {
      JsonObject json = body(rc);
      for (String f : json.fieldNames()) {
        if (!TRIAGE_FIELDS.contains(f)) {
          throw HttpFailure.badRequest("unknown field '" + f + "' in triage request; allowed: "
              + String.join(", ", new TreeSet<>(TRIAGE_FIELDS)));
        }
      }
      String lang = optional(json, "language");
      if (lang != null && !lang.equals("nl") && !lang.equals("en")) {
        throw HttpFailure.badRequest("triage field 'language' must be 'nl', 'en' or absent");
      }
      TriageQuery q = new TriageQuery(optional(json, "user_id"), lang, optional(json, "subject"),
          optional(json, "body"), optional(json, "error_code"));
      respond(rc, 200, triage.evaluate(q).map(TriageEngine::toJson));
    });
  }

  private void listArticles(RoutingContext rc) {
    int limit = intParam(rc, "limit", 50, 1, 500);
    int offset = intParam(rc, "offset", 0, 0, Integer.MAX_VALUE);
    respond(rc, 200, service.listArticles(rc.queryParams().get("category"), boolParam(rc, "published"),
        rc.queryParams().get("q"), limit, offset).map(page -> pageJson(page, limit, offset, Article::toJson)));
  }

  private void listPatterns(RoutingContext rc) {
    int limit = intParam(rc, "limit", 50, 1, 500);
    int offset = intParam(rc, "offset", 0, 0, Integer.MAX_VALUE);
    respond(rc, 200, service.listPatterns(rc.queryParams().get("article_slug"), boolParam(rc, "active"),
        rc.queryParams().get("error_code"), limit, offset)
        .map(page -> pageJson(page, limit, offset, SupportPattern::toJson)));
  }

  private static <T> JsonObject pageJson(KnowledgeStore.Page<T> page, int limit, int offset,
      Function<T, JsonObject> json) {
    JsonArray items = new JsonArray();
    List<T> list = page.items();
    list.forEach(t -> items.add(json.apply(t)));
    return new JsonObject().put("items", items).put("total", page.total()).put("limit", limit).put("offset", offset);
  }

  private static void respond(RoutingContext rc, int status, Future<JsonObject> f) {
    f.onSuccess(json -> {
      if (status == 204) {
        rc.response().setStatusCode(204).end();
      } else {
        rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json.encode());
      }
    }).onFailure(rc::fail);
  }

  private static JsonObject body(RoutingContext rc) {
    String ct = rc.request().getHeader("Content-Type");
    if (ct != null && !ct.toLowerCase().startsWith("application/json")) {
      throw HttpFailure.unsupportedMediaType("send the body as application/json");
    }
    if (rc.body() == null || rc.body().length() == 0) {
      throw HttpFailure.badRequest("a JSON object body is required");
    }
    try {
      Object v = Json.decodeValue(rc.body().buffer());
      if (!(v instanceof JsonObject)) {
        throw HttpFailure.badRequest("the body must be a JSON object");
      }
      return (JsonObject) v;
    } catch (DecodeException e) {
      throw HttpFailure.badRequest("the body is not valid JSON");
    }
  }

  private static void checkSameKey(JsonObject json, String field, String fromPath) {
    Object v = json.getValue(field);
    if (v != null && !fromPath.equals(v)) {
      throw HttpFailure.badRequest("field '" + field + "' ('" + v + "') differs from the path ('" + fromPath
          + "'); renaming is not supported");
    }
  }

  private static String optional(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String)) {
      throw HttpFailure.badRequest("triage field '" + field + "' must be a string");
    }
    String s = ((String) v).trim();
    if (s.length() > 20_000) {
      throw HttpFailure.badRequest("triage field '" + field + "' is longer than 20000 characters");
    }
    return s.isEmpty() ? null : s;
  }

  private static boolean hard(RoutingContext rc) {
    Boolean b = boolParam(rc, "hard");
    return b != null && b;
  }

  private static Boolean boolParam(RoutingContext rc, String name) {
    String v = rc.queryParams().get(name);
    if (v == null) {
      return null;
    }
    if (v.equals("true") || v.equals("false")) {
      return Boolean.valueOf(v);
    }
    throw HttpFailure.badRequest("query parameter '" + name + "' must be true or false");
  }

  private static int intParam(RoutingContext rc, String name, int fallback, int min, int max) {
    String v = rc.queryParams().get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int i = Integer.parseInt(v);
      if (i < min || i > max) {
        throw HttpFailure.badRequest("query parameter '" + name + "' must be between " + min + " and " + max);
      }
      return i;
    } catch (NumberFormatException e) {
      throw HttpFailure.badRequest("query parameter '" + name + "' must be a whole number");
    }
  }
}
