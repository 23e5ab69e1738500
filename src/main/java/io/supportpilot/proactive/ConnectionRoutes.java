package io.supportpilot.proactive;

import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.JsonBody;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.regex.Pattern;

/** {@code PUT /api/support/users/{id}/connections/{connection_id}}: the portal reports a connection's Exact facts. */
final class ConnectionRoutes {

  /** Connection ids go into re-auth links unencoded: a conservative alphabet. */
  static final Pattern CONNECTION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,200}");
  private static final Set<String> STATUSES = Set.of("active", "expiring", "expired", "revoked", "error");
  private static final Pattern ERROR_CLASS = Pattern.compile("[a-z0-9_.:-]{1,64}");

  private final ConnectionStore store;

  ConnectionRoutes(ConnectionStore store) {
    this.store = store;
  }

  void mount(Router router) {
    router.put("/api/support/users/:id/connections/:connection_id").handler(this::put);
  }

  private void put(RoutingContext rc) {
    String userId = rc.pathParam("id");
    if (userId == null || userId.isBlank() || userId.length() > 200) {
      throw HttpFailure.badRequest("the user id must be 1-200 characters");
    }
    String connectionId = rc.pathParam("connection_id");
    if (connectionId == null || !CONNECTION_ID.matcher(connectionId).matches()) {
      throw HttpFailure.badRequest("the connection id must be 1-200 letters, digits, '.', '_', ':' or '-'");
    }
    JsonObject body = JsonBody.of(rc);
    String status = JsonBody.optionalString(body, "status", 16);
    if (status != null && !STATUSES.contains(status)) {
      throw HttpFailure.badRequest("status must be one of active, expiring, expired, revoked, error");
    }
    String division = JsonBody.optionalString(body, "division", 64);
    boolean setError = body.containsKey("last_error");
    String lastError = JsonBody.optionalString(body, "last_error", 64);
    if (lastError != null && !ERROR_CLASS.matcher(lastError).matches()) {
      throw HttpFailure.badRequest("last_error must be a failure class such as old_refresh_token_used "
          + "(lower-case letters, digits, '_', '.', ':' or '-')");
    }
    ConnectionStore.Facts facts = new ConnectionStore.Facts(status, division,
        time(body, "access_token_expires_at"), time(body, "refresh_token_last_used_at"),
        time(body, "refresh_token_expires_at"), lastError, setError);
    store.upsert(userId, connectionId, facts)
        .onSuccess(u -> {
          rc.response().setStatusCode(u.created() ? 201 : 200);
          rc.json(u.connection());
        })
        .onFailure(rc::fail);
  }

  private static OffsetDateTime time(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String)) {
      throw HttpFailure.badRequest(field + " must be an ISO-8601 timestamp string");
    }
    OffsetDateTime t;
    try {
      t = OffsetDateTime.parse((String) v).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      throw HttpFailure.badRequest(field + " is not an ISO-8601 timestamp with an offset (e.g. 2026-12-01T10:00:00Z)");
    }
    // Postgres would turn a far year into infinity and expiry arithmetic would go wrong: years 1970-9999 only.
    if (t.getYear() < 1970 || t.getYear() > 9999) {
      throw HttpFailure.badRequest(field + " must lie between the years 1970 and 9999");
    }
    return t;
  }
}
