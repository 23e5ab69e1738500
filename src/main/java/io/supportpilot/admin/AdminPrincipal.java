package io.supportpilot.admin;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Who makes an admin request: the owner (the bootstrap ADMIN_TOKEN) or a named token with its role. */
public record AdminPrincipal(String tokenId, String name, Role role) {

  static final String KEY = "supportpilot.admin.principal";
  /** The name under which the bootstrap token's actions are recorded. */
  public static final String OWNER_NAME = "owner";
  static final AdminPrincipal OWNER = new AdminPrincipal(null, OWNER_NAME, Role.OWNER);

  /** The principal of an authenticated admin request; 403 when the request was authenticated another way. */
  public static AdminPrincipal of(RoutingContext rc) {
    AdminPrincipal p = rc.get(KEY);
    if (p == null) {
      throw HttpFailure.forbidden("this route needs an admin token");
    }
    return p;
  }

  /** Fails with 403 unless the principal has at least {@code role}. */
  public AdminPrincipal require(Role required) {
    if (!role.atLeast(required)) {
      throw HttpFailure.forbidden("role " + role.wire() + " may not do this; it needs " + required.wire());
    }
    return this;
  }

  /** The API shape: name and role. */
  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("role", role.wire());
  }
}
