package io.supportpilot.admin;

import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/** {@code /api/admin/tokens} (create, list, revoke; admins only) and {@code GET /api/admin/me}. */
final class TokenRoutes {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  private final NamedTokens tokens;
  private final AdminIdentity identity;

  TokenRoutes(NamedTokens tokens, AdminIdentity identity) {
    this.tokens = tokens;
    this.identity = identity;
  }

  void mount(Router router) {
    router.get("/api/admin/me").handler(rc -> rc.json(AdminPrincipal.of(rc).toJson()));
    router.post("/api/admin/tokens").handler(this::create);
    router.get("/api/admin/tokens").handler(rc -> {
      AdminPrincipal.of(rc).require(Role.ADMIN);
      tokens.list().onSuccess(rc::json).onFailure(rc::fail);
    });
    router.delete("/api/admin/tokens/:id").handler(rc -> {
      AdminPrincipal.of(rc).require(Role.ADMIN);
      tokens.revoke(rc.pathParam("id"))
          .onSuccess(hash -> {
            identity.forget(hash);
            rc.response().setStatusCode(204).end();
          })
          .onFailure(rc::fail);
    });
  }

  private void create(RoutingContext rc) {
    AdminPrincipal caller = AdminPrincipal.of(rc).require(Role.ADMIN);
    JsonObject body = JsonBody.of(rc);
    String name = JsonBody.requiredString(body, "name", 64);
    if (!NAME.matcher(name).matches() || AdminPrincipal.OWNER_NAME.equalsIgnoreCase(name)) {
      throw HttpFailure.badRequest("name must be 1-64 letters, digits, '.', '_', '@' or '-' (and not 'owner')");
    }
    Role role = Role.ofNamedToken(body.getValue("role"));
    if (role == null) {
      throw HttpFailure.badRequest("role must be admin, agent or viewer");
    }
    tokens.create(name, role, caller.name())
        .onSuccess(json -> {
          rc.response().setStatusCode(201);
          rc.json(json);
        })
        .onFailure(rc::fail);
  }
}
