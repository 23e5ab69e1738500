package io.supportpilot.web;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Operations routes: {@code /health} (readiness), {@code /health/live} and {@code /metrics} (Prometheus text). */
final class OpsRoutes {

  private static final long CHECK_TIMEOUT_MS = 2000;

  private OpsRoutes() {
  }

  static void mount(Router router, EngineContext ctx) {
    router.get("/health/live").handler(rc -> liveness(rc, ctx));
    router.get("/health").handler(rc -> readiness(rc, ctx));
    PrometheusMeterRegistry registry = ctx.registry();
    router.get("/metrics").handler(rc -> rc.vertx().executeBlocking(registry::scrape, false)
        .onSuccess(text -> rc.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(text))
        .onFailure(rc::fail));
  }

  private static void liveness(RoutingContext rc, EngineContext ctx) {
    JsonObject details = new JsonObject();
    boolean up = true;
    for (Map.Entry<String, BooleanSupplier> e : ctx.health().liveness().entrySet()) {
      boolean alive = e.getValue().getAsBoolean();
      up &= alive;
      details.put(e.getKey(), new JsonObject().put("status", alive ? "UP" : "DOWN"));
    }
    JsonObject body = new JsonObject().put("status", up ? "UP" : "DOWN");
    if (!details.isEmpty()) {
      body.put("checks", details);
    }
    rc.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void readiness(RoutingContext rc, EngineContext ctx) {
    Map<String, Supplier<Future<?>>> checks = ctx.health().all();
    List<String> names = new ArrayList<>(checks.keySet());
    List<Future<?>> results = new ArrayList<>();
    for (String name : names) {
      Future<?> f;
      try {
        f = checks.get(name).get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      results.add(f.timeout(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }
    Future.join(results).onComplete(ignored -> {
      JsonObject details = new JsonObject();
      boolean up = true;
      for (int i = 0; i < names.size(); i++) {
        Future<?> f = results.get(i);
        if (f.succeeded()) {
          details.put(names.get(i), new JsonObject().put("status", "UP"));
        } else {
          up = false;
          details.put(names.get(i), new JsonObject().put("status", "DOWN")
              .put("detail", String.valueOf(f.cause().getMessage())));
        }
      }
      rc.response().setStatusCode(up ? 200 : 503)
          .putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", details).encode());
    });
  }
}
