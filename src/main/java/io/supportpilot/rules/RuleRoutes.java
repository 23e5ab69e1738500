package io.supportpilot.rules;

import io.supportpilot.admin.AdminPrincipal;
import io.supportpilot.admin.ConfigRedaction;
import io.supportpilot.admin.Role;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.UUID;

/**
 * {@code /api/admin/rules}: list, read, create, replace, delete, enable, disable, rotate the webhook secret, the
 * runs of a rule, and dry runs. Reading needs any admin token; changing needs role admin. A webhook secret appears
 * only in the answer that created it.
 */
final class RuleRoutes {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int DEFAULT_DRY_RUN = 100;

  private final RuleStore store;
  private final RuleBook book;
  private final RuleCounters counters;
  private final DryRun dryRun;
  private final RulesConfig cfg;
  private final Clock clock;

  RuleRoutes(RuleStore store, RuleBook book, RuleCounters counters, RulesConfig cfg, Clock clock) {
    this.store = store;
    this.book = book;
    this.counters = counters;
    this.dryRun = new DryRun(store, clock);
    this.cfg = cfg;
    this.clock = clock;
  }

  void mount(Router router) {
    router.get("/api/admin/rules").handler(this::list);
    router.post("/api/admin/rules").handler(this::create);
    router.post("/api/admin/rules/dry-run").handler(this::dryRun);
    router.get("/api/admin/rules/:id").handler(this::get);
    router.put("/api/admin/rules/:id").handler(this::replace);
    router.delete("/api/admin/rules/:id").handler(this::delete);
    router.post("/api/admin/rules/:id/enable").handler(rc -> enable(rc, true));
    router.post("/api/admin/rules/:id/disable").handler(rc -> enable(rc, false));
    router.post("/api/admin/rules/:id/webhook-secret").handler(this::rotate);
    router.post("/api/admin/rules/:id/dry-run").handler(this::dryRunSaved);
    router.get("/api/admin/rules/:id/runs").handler(this::runs);
  }

  private void list(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.VIEWER);
    store.list().map(rules -> {
      JsonArray items = new JsonArray();
      rules.forEach(r -> items.add(shownTo(who, json(r))));
      return new JsonObject().put("items", items);
    }).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void get(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.VIEWER);
    String id = rc.pathParam("id");
    store.get(id).map(r -> shownTo(who, json(found(r, id)))).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void create(RoutingContext rc) {
    AdminPrincipal who = AdminPrincipal.of(rc).require(Role.ADMIN);
    RuleDraft d = RuleDraft.parse(JsonBody.of(rc), cfg.webhookAllowedHosts());
    String secret = d.hasWebhook() ? newSecret() : null;
    store.insert(UUID.randomUUID().toString(), d, who.name(), secret, clock.instant())
        .compose(r -> book.reload().map(v -> withSecret(json(r), secret)))
        .onSuccess(json -> rc.response().setStatusCode(201).putHeader("Content-Type", "application/json")
            .end(json.encode()))
        .onFailure(rc::fail);
  }

  private void replace(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.ADMIN);
    String id = rc.pathParam("id");
    RuleDraft d = RuleDraft.parse(JsonBody.of(rc), cfg.webhookAllowedHosts());
    store.get(id).compose(existing -> {
      found(existing, id);
      String secret = d.hasWebhook() && existing.webhookSecret() == null ? newSecret() : null;
      return store.replace(id, d, secret, clock.instant())
          .compose(r -> book.reload().map(v -> withSecret(json(found(r, id)), secret)));
    }).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void delete(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.ADMIN);
    String id = rc.pathParam("id");
    store.delete(id).compose(gone -> gone ? book.reload() : Future.failedFuture(notFound(id)))
        .onSuccess(v -> rc.response().setStatusCode(204).end()).onFailure(rc::fail);
  }

  private void enable(RoutingContext rc, boolean enabled) {
    AdminPrincipal.of(rc).require(Role.ADMIN);
    String id = rc.pathParam("id");
    store.setEnabled(id, enabled, clock.instant()).compose(r -> book.reload().map(v -> json(found(r, id))))
        .onSuccess(rc::json).onFailure(rc::fail);
  }

  private void rotate(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.ADMIN);
    String id = rc.pathParam("id");
    String secret = newSecret();
    store.setSecret(id, secret, clock.instant()).compose(r -> book.reload().map(v -> withSecret(json(found(r, id)),
        secret))).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void runs(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    String id = rc.pathParam("id");
    int limit = limit(rc.queryParams().get("limit"), 50, 1000);
    store.get(id).compose(r -> {
      found(r, id);
      return store.runs(id, limit);
    }).map(items -> new JsonObject().put("items", items)).onSuccess(rc::json).onFailure(rc::fail);
  }

  private void dryRun(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    JsonObject body = JsonBody.of(rc);
    int limit = limit(body.getValue("limit"), DEFAULT_DRY_RUN, cfg.dryRunMax());
    Object rule = body.getValue("rule");
    Object ruleId = body.getValue("rule_id");
    if (rule instanceof JsonObject) {
      RuleDraft d = RuleDraft.parse((JsonObject) rule, cfg.webhookAllowedHosts());
      dryRun.run(d, limit).onSuccess(rc::json).onFailure(rc::fail);
    } else if (ruleId instanceof String) {
      savedDryRun(rc, (String) ruleId, limit);
    } else {
      throw HttpFailure.badRequest("send {\"rule\": {...}} (an unsaved rule) or {\"rule_id\": \"...\"}, "
          + "and optionally \"limit\"");
    }
  }

  private void dryRunSaved(RoutingContext rc) {
    AdminPrincipal.of(rc).require(Role.VIEWER);
    JsonObject body = rc.body() == null || rc.body().length() == 0 ? new JsonObject() : JsonBody.of(rc);
    savedDryRun(rc, rc.pathParam("id"), limit(body.getValue("limit"), DEFAULT_DRY_RUN, cfg.dryRunMax()));
  }

  private void savedDryRun(RoutingContext rc, String id, int limit) {
    store.get(id).compose(r -> dryRun.run(RuleDraft.parse(found(r, id).toDraftJson(), null), limit)
        .map(j -> j.put("rule_id", id))).onSuccess(rc::json).onFailure(rc::fail);
  }

  /** Webhook URLs can carry a secret in their path or query: below the admin role only their origin is shown. */
  private static JsonObject shownTo(AdminPrincipal who, JsonObject rule) {
    if (who.role().atLeast(Role.ADMIN) || rule.getJsonArray("actions") == null) {
      return rule;
    }
    rule = rule.copy(); // never the stored rule's own objects
    for (Object o : rule.getJsonArray("actions")) {
      if (o instanceof JsonObject a && a.getJsonObject("config") != null && a.getJsonObject("config").getValue("url")
          instanceof String url) {
        a.getJsonObject("config").put("url", ConfigRedaction.webhookUrl(url));
      }
    }
    return rule;
  }

  private JsonObject json(RuleStore.StoredRule r) {
    return r.toJson(counters.pendingCount(r.id()), counters.pendingLast(r.id()));
  }

  private static JsonObject withSecret(JsonObject json, String secret) {
    return secret == null ? json : json.put("webhook_secret", secret);
  }

  private static RuleStore.StoredRule found(RuleStore.StoredRule r, String id) {
    if (r == null) {
      throw notFound(id);
    }
    return r;
  }

  private static HttpFailure notFound(String id) {
    return HttpFailure.notFound("no automation rule " + id);
  }

  private static int limit(Object v, int fallback, int max) {
    if (v == null) {
      return fallback;
    }
    int n;
    try {
      n = v instanceof Number ? ((Number) v).intValue() : Integer.parseInt(v.toString().trim());
    } catch (NumberFormatException e) {
      throw HttpFailure.badRequest("limit must be a whole number from 1 to " + max);
    }
    if (n < 1 || n > max) {
      throw HttpFailure.badRequest("limit must be a whole number from 1 to " + max);
    }
    return n;
  }

  private static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
