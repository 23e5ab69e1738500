package io.supportpilot.admin;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.supportpilot.web.HttpServerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.Map;

/**
 * Admin routes: {@code GET /api/admin/config} (credential-bearing values masked by {@link ConfigRedaction}, secrets
 * only reported as set or unset), named admin tokens with roles (resolved before the engine's bearer
 * check, so every admin request knows who makes it), the automation metrics with their rollup job, the admin
 * notifications ({@link NotificationRoutes}), and the dashboard page at {@code /admin/}.
 */
public final class AdminCapability implements Capability, HttpServerVerticle.PreAuthRoutes {

  private NamedTokens tokens;
  private AdminIdentity identity;
  private AutomationMetrics metrics;
  private AutomationTimeseries timeseries;
  private String rollupDeployment;
  private Vertx vertx;

  @Override
  public String name() {
    return "admin";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    vertx = ctx.vertx();
    tokens = new NamedTokens(ctx.pool(), ctx.clock());
    identity = new AdminIdentity(ctx.adminAuth(), tokens);
    metrics = new AutomationMetrics(ctx.pool(), ctx.clock());
    timeseries = new AutomationTimeseries(ctx.pool(), ctx.clock());
    Duration every = ctx.config().has("desk.rollup-interval")
        ? ctx.config().duration("desk.rollup-interval", Duration.ofMillis(100)) : Duration.ofSeconds(30);
    return ctx.vertx().deployVerticle(new RollupJob(ctx.pool(), every)).map(id -> {
      rollupDeployment = id;
      return null;
    });
  }

  /**
   * Whether a name belongs to a live admin identity; the desk asks it when it assigns a conversation. Available once
   * this capability has started.
   */
  public AdminNames names() {
    if (tokens == null) {
      throw new IllegalStateException("the admin names are not available before the admin capability started: "
          + "check the capability order in Capabilities");
    }
    return tokens::nameExists;
  }

  @Override
  public void preAuthRoutes(Router router, EngineContext ctx) {
    router.route("/api/admin/*").handler(identity);
    router.route("/api/triage").handler(identity);
    router.route("/api/triage/*").handler(identity);
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    router.get("/api/admin/config").handler(rc -> rc.json(describe(ctx.config(), ctx)));
    DashboardRoutes.mount(router);
    new TokenRoutes(tokens, identity).mount(router);
    new MetricsRoutes(metrics, timeseries).mount(router);
    new NotificationRoutes(ctx.pool()).mount(router);
  }

  @Override
  public Future<Void> stop() {
    return rollupDeployment == null ? Future.succeededFuture()
        : vertx.undeploy(rollupDeployment).recover(e -> Future.succeededFuture());
  }

  static JsonObject describe(Config config, EngineContext ctx) {
    JsonObject values = new JsonObject();
    for (Map.Entry<String, String> e : config.asMap().entrySet()) {
      values.put(e.getKey(), new JsonObject().put("value", ConfigRedaction.value(e.getKey(), e.getValue())).put("env", Config.envName(e.getKey()))
          .put("origin", config.origin(e.getKey())));
    }
    JsonObject secrets = new JsonObject();
    for (String name : Secrets.NAMES) {
      secrets.put(name, ctx.secrets().get(name).isPresent() ? "set" : "unset");
    }
    return new JsonObject().put("config", values).put("secrets", secrets);
  }
}
