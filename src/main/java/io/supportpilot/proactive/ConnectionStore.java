package io.supportpilot.proactive;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Exact Online connections as the portal reports them. The refresh token's effective expiry ({@code token_expires_at})
 * is recomputed on every upsert: the earlier of the expiry the portal reports and the token's last use plus Exact's
 * inactivity period, because an unused refresh token lapses on its own.
 */
final class ConnectionStore {

  private final Pool pool;
  private final Clock clock;
  private final Duration inactivity;

  ConnectionStore(Pool pool, Clock clock, Duration inactivity) {
    this.pool = pool;
    this.clock = clock;
    this.inactivity = inactivity;
  }

  /** The facts of one PUT; null fields keep what is stored ({@code lastError} only when {@code setLastError}). */
  record Facts(String status, String division, OffsetDateTime accessTokenExpiresAt,
      OffsetDateTime refreshTokenLastUsedAt, OffsetDateTime refreshTokenExpiresAt, String lastError,
      boolean setLastError) {
  }

  /** The stored connection and whether it was created. */
  record Upserted(JsonObject connection, boolean created) {
  }

  /** Upserts; an unknown user becomes a placeholder; a connection of another user is a 409. */
  Future<Upserted> upsert(String userId, String connectionId, Facts f) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    return pool.withTransaction(c -> c.preparedQuery("INSERT INTO users (id, placeholder, created_at) "
            + "VALUES ($1, TRUE, $2) ON CONFLICT (id) DO NOTHING").execute(Tuple.of(userId, now))
        .compose(x -> c.preparedQuery("INSERT INTO connections AS c (id, user_id, division, status, "
                + "access_token_expires_at, last_refresh_at, refresh_token_expires_at, token_expires_at, last_error, "
                + "created_at, updated_at) VALUES ($2, $1, $3::text, COALESCE($4::text, 'active'), $5::timestamptz, "
                + "$6::timestamptz, $7::timestamptz, LEAST($7::timestamptz, $6::timestamptz + make_interval(secs => "
                + "$10::double precision)), $8::text, $11::timestamptz, $11::timestamptz) "
                + "ON CONFLICT (id) DO UPDATE SET division = COALESCE($3, c.division), status = COALESCE($4, c.status), "
                + "access_token_expires_at = COALESCE($5, c.access_token_expires_at), "
                + "last_refresh_at = COALESCE($6, c.last_refresh_at), "
                + "refresh_token_expires_at = COALESCE($7, c.refresh_token_expires_at), "
                + "token_expires_at = LEAST(COALESCE($7, c.refresh_token_expires_at), "
                + "COALESCE($6, c.last_refresh_at) + make_interval(secs => $10)), "
                + "last_error = CASE WHEN $9::boolean THEN $8 ELSE c.last_error END, updated_at = $11 "
                + "WHERE c.user_id = $1 RETURNING " + COLUMNS + ", (xmax = 0) AS inserted")
            .execute(Tuple.from(new Object[] {userId, connectionId, f.division(), f.status(),
                f.accessTokenExpiresAt(), f.refreshTokenLastUsedAt(), f.refreshTokenExpiresAt(), f.lastError(),
                f.setLastError(), (double) inactivity.toSeconds(), now})))
        .compose(rows -> rows.size() == 0
            ? Future.failedFuture(HttpFailure.conflict("connection " + connectionId + " belongs to another user"))
            : Future.succeededFuture(new Upserted(json(rows.iterator().next()), rows.iterator().next()
                .getBoolean("inserted")))));
  }

  static final String COLUMNS = "id, user_id, provider, division, status, access_token_expires_at, last_refresh_at, "
      + "refresh_token_expires_at, token_expires_at, last_error, created_at, updated_at";

  static JsonObject json(Row r) {
    return new JsonObject().put("id", r.getString("id")).put("user_id", r.getString("user_id"))
        .put("provider", r.getString("provider")).put("division", r.getString("division"))
        .put("status", r.getString("status"))
        .put("access_token_expires_at", str(r.getOffsetDateTime("access_token_expires_at")))
        .put("refresh_token_last_used_at", str(r.getOffsetDateTime("last_refresh_at")))
        .put("refresh_token_expires_at", str(r.getOffsetDateTime("refresh_token_expires_at")))
        .put("effective_expires_at", str(r.getOffsetDateTime("token_expires_at")))
        .put("last_error", r.getString("last_error"))
        .put("created_at", str(r.getOffsetDateTime("created_at")))
        .put("updated_at", str(r.getOffsetDateTime("updated_at")));
  }

  private static String str(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
