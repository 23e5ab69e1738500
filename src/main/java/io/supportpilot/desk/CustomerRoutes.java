package io.supportpilot.desk;

import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/** {@code PUT} and {@code DELETE /api/support/users/{id}} for the customer portal (its service token). */
final class CustomerRoutes {

  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}\\.[^@\\s]{1,63}");
  private static final Pattern PLAN = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  private final CustomerStore store;

  CustomerRoutes(CustomerStore store) {
    this.store = store;
  }

  void mount(Router router) {
    router.put("/api/support/users/:id").handler(this::put);
    router.delete("/api/support/users/:id").handler(this::delete);
  }

  private void put(RoutingContext rc) {
    String id = id(rc);
    JsonObject body = JsonBody.of(rc);
    String email = JsonBody.optionalString(body, "email", 320);
    if (email != null && !EMAIL.matcher(email).matches()) {
      throw HttpFailure.badRequest("email is not an e-mail address");
    }
    String name = JsonBody.optionalString(body, "name", 200);
    String plan = JsonBody.optionalString(body, "plan", 32);
    if (plan != null && !PLAN.matcher(plan).matches()) {
      throw HttpFailure.badRequest("plan must be 1-32 lower-case letters, digits, '_' or '-'");
    }
    Object language = body.getValue("language");
    if (language != null && !"nl".equals(language) && !"en".equals(language)) {
      throw HttpFailure.badRequest("language must be nl or en");
    }
    store.upsert(id, email, name, plan, (String) language)
        .onSuccess(u -> {
          rc.response().setStatusCode(u.created() ? 201 : 200);
          rc.json(u.user());
        })
        .onFailure(rc::fail);
  }

  private void delete(RoutingContext rc) {
    store.erase(id(rc)).onSuccess(v -> rc.response().setStatusCode(204).end()).onFailure(rc::fail);
  }

  private static String id(RoutingContext rc) {
    String id = rc.pathParam("id");
    if (id == null || id.isBlank() || id.length() > 200) {
      throw HttpFailure.badRequest("the user id must be 1-200 characters");
    }
    return id;
  }
}
