package io.supportpilot.admin;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Map;

/**
 * Foundation admin routes: {@code GET /api/admin/config}, the effective configuration with the origin of each value;
 * credential-bearing values are masked ({@link ConfigRedaction}) and secrets are only reported as set or unset.
 */
public final class AdminCapability implements Capability {

  @Override
  public String name() {
    return "admin";
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    router.get("/api/admin/config").handler(rc -> rc.json(describe(ctx.config(), ctx)));
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
