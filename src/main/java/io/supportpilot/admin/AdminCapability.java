package io.supportpilot.admin;

import io.supportpilot.config.Config;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Map;

/**
 * Foundation admin routes: {@code GET /api/admin/config}, the effective configuration with the origin of each value,
 * and the dashboard page at {@code /admin/}.
 */
public final class AdminCapability implements Capability {

  @Override
  public String name() {
    return "admin";
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    router.get("/api/admin/config").handler(rc -> rc.json(describe(ctx.config(), ctx)));
    DashboardRoutes.mount(router);
  }

  static JsonObject describe(Config config, EngineContext ctx) {
    JsonObject values = new JsonObject();
    for (Map.Entry<String, String> e : config.asMap().entrySet()) {
      values.put(e.getKey(), new JsonObject().put("value", e.getValue()).put("env", Config.envName(e.getKey()))
          .put("origin", config.origin(e.getKey())));
    }
    return new JsonObject().put("config", values).put("secrets", ctx.secrets().toString());
  }
}
