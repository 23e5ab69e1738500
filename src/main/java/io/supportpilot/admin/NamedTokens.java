package io.supportpilot.admin;

import io.supportpilot.web.BearerAuth;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/** Named admin tokens in {@code admin_tokens}: only the SHA-256 is stored; the token is shown once at creation. */
final class NamedTokens {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Pool pool;
  private final Clock clock;

  NamedTokens(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** Creates a token; the answer carries the token itself, which is never retrievable again. 409 for a live name. */
  Future<JsonObject> create(String name, Role role, String createdBy) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = "spt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    String id = UUID.randomUUID().toString();
    OffsetDateTime now = now();
    return pool.preparedQuery("INSERT INTO admin_tokens (id, name, role, token_sha256, created_by, created_at) "
            + "VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(id, name, role.wire(), BearerAuth.sha256Hex(token), createdBy, now))
        .map(r -> new JsonObject().put("id", id).put("name", name).put("role", role.wire()).put("token", token)
            .put("created_at", now.toInstant().toString()))
        .recover(e -> e instanceof PgException && "23505".equals(((PgException) e).getSqlState())
            ? Future.failedFuture(HttpFailure.conflict("a token named " + name + " exists; delete it first"))
            : Future.failedFuture(e));
  }

  /** The live tokens, without their secrets. */
  Future<JsonObject> list() {
    return pool.query("SELECT id, name, role, created_at, last_used_at FROM admin_tokens WHERE revoked_at IS NULL "
        + "ORDER BY created_at, id").execute()
        .map(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) {
            items.add(new JsonObject().put("id", r.getString("id")).put("name", r.getString("name"))
                .put("role", r.getString("role")).put("created_at", str(r.getOffsetDateTime("created_at")))
                .put("last_used_at", str(r.getOffsetDateTime("last_used_at"))));
          }
          return new JsonObject().put("items", items);
        });
  }

  /** Revokes a token (kept for the audit's sake); 404 when there is no live token with that id. */
  Future<String> revoke(String id) {
    return pool.preparedQuery("UPDATE admin_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL "
            + "RETURNING token_sha256")
        .execute(Tuple.of(id, now()))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(HttpFailure.notFound("no token " + id))
            : Future.succeededFuture(rows.iterator().next().getString(0)));
  }

  /** The principal of a live token with this SHA-256, if any; marks it used (at most once a minute). */
  Future<Optional<AdminPrincipal>> lookup(String sha256Hex) {
    OffsetDateTime now = now();
    return pool.preparedQuery("UPDATE admin_tokens SET last_used_at = CASE WHEN last_used_at IS NULL "
            + "OR last_used_at < $2::timestamptz - interval '1 minute' THEN $2::timestamptz ELSE last_used_at END "
            + "WHERE token_sha256 = $1 AND revoked_at IS NULL RETURNING id, name, role")
        .execute(Tuple.of(sha256Hex, now))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.empty();
          }
          Row r = rows.iterator().next();
          return Optional.of(new AdminPrincipal(r.getString("id"), r.getString("name"),
              Role.ofNamedToken(r.getString("role"))));
        });
  }

  /** True when a live token carries this name (or it is the owner). */
  Future<Boolean> nameExists(String name) {
    if (AdminPrincipal.OWNER_NAME.equals(name)) {
      return Future.succeededFuture(true);
    }
    return pool.preparedQuery("SELECT 1 FROM admin_tokens WHERE name = $1 AND revoked_at IS NULL")
        .execute(Tuple.of(name)).map(rows -> rows.size() > 0);
  }

  private OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  private static String str(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
