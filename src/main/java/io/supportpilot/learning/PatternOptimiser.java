package io.supportpilot.learning;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Plan 4.3, scheduled pattern optimisation with {@link OptimisationRule}: each change is recorded in
 * {@code learning_pattern_changes} with the values before and after, and can be reverted. A pattern changed within
 * the cooldown is left alone (one step per period), and a change an admin reverted is not made again to that
 * pattern. Deactivations notify admins.
 */
final class PatternOptimiser {

  private final Pool pool;
  private final Notifier notifier;
  private final Clock clock;
  private final Duration cooldown;

  PatternOptimiser(Pool pool, Notifier notifier, Clock clock, Duration cooldown) {
    this.pool = pool;
    this.notifier = notifier;
    this.clock = clock;
    this.cooldown = cooldown;
  }

  /** Runs once; returns the changes made. */
  Future<List<JsonObject>> run() {
    OffsetDateTime now = now();
    return pool.preparedQuery("SELECT p.id, p.name, p.times_triggered, p.times_resolved, p.min_confidence FROM "
            + "support_patterns p WHERE p.active AND NOT EXISTS (SELECT 1 FROM learning_pattern_changes c WHERE "
            + "c.pattern_id = p.id AND c.reverted_at IS NULL AND c.created_at > $1) ORDER BY p.id")
        .execute(Tuple.of(now.minus(cooldown))).compose(rs -> {
          List<JsonObject> made = new ArrayList<>();
          Future<Void> chain = Future.succeededFuture();
          for (Row r : rs) {
            String id = r.getString(0);
            int triggered = r.getInteger(2);
            int resolved = r.getInteger(3);
            double min = r.getDouble(4);
            OptimisationRule.Change change = OptimisationRule.decide(triggered, resolved, min);
            if (change == OptimisationRule.Change.NONE) {
              continue;
            }
            String kind = change == OptimisationRule.Change.DEACTIVATE ? "deactivate" : "lower_min_confidence";
            boolean deactivate = change == OptimisationRule.Change.DEACTIVATE;
            double newMin = deactivate ? min : OptimisationRule.lowered(min);
            String reason = deactivate ? "low_effectiveness" : "high_effectiveness";
            chain = chain.compose(v -> apply(id, kind, reason, min, newMin, deactivate, triggered, resolved, now)
                .compose(change1 -> {
                  if (change1 == null) {
                    return Future.succeededFuture();
                  }
                  made.add(change1);
                  return deactivate ? notifier.notify("pattern_deactivated", "Pattern deactivated (low "
                      + "effectiveness): " + r.getString(1), change1) : Future.succeededFuture();
                }));
          }
          return chain.map(made);
        });
  }

  private Future<JsonObject> apply(String id, String kind, String reason, double oldMin, double newMin,
      boolean deactivate, int triggered, int resolved, OffsetDateTime now) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT 1 FROM learning_pattern_changes WHERE pattern_id = $1"
            + " AND change = $2 AND reverted_at IS NOT NULL").execute(Tuple.of(id, kind))
        .compose(reverted -> {
          if (reverted.size() > 0) {
            return Future.succeededFuture(null);  // an admin undid this change once: not again
          }
          return conn.preparedQuery("UPDATE support_patterns SET active = $2, min_confidence = $3, "
                  + "deactivation_reason = CASE WHEN $2 THEN deactivation_reason ELSE $4 END, updated_at = $5 "
                  + "WHERE id = $1 AND active")
              .execute(Tuple.of(id, !deactivate, newMin, reason, now))
              .compose(u -> u.rowCount() == 0 ? Future.succeededFuture(null) : conn.preparedQuery(
                  "INSERT INTO learning_pattern_changes (pattern_id, change, reason, old_active, new_active, "
                      + "old_min_confidence, new_min_confidence, times_triggered, times_resolved, created_at) VALUES "
                      + "($1, $2, $3, TRUE, $4, $5, $6, $7, $8, $9) RETURNING id")
                  .execute(Tuple.from(Arrays.asList(id, kind, reason, !deactivate, oldMin, newMin, triggered,
                      resolved, now)))
                  .map(ins -> change(ins.iterator().next().getLong(0), id, kind, reason, true, !deactivate, oldMin,
                      newMin, triggered, resolved, now, null)));
        }));
  }

  /** Reverts a change: restores the pattern's active flag and min_confidence as they were before it. */
  Future<JsonObject> revert(long changeId, String who) {
    OffsetDateTime now = now();
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pattern_id, old_active, old_min_confidence, "
            + "reverted_at FROM learning_pattern_changes WHERE id = $1 FOR UPDATE").execute(Tuple.of(changeId))
        .compose(rs -> {
          if (rs.size() == 0) {
            return Future.failedFuture(HttpFailure.notFound("no pattern change with id " + changeId));
          }
          Row r = rs.iterator().next();
          if (r.getOffsetDateTime(3) != null) {
            return Future.failedFuture(HttpFailure.conflict("pattern change " + changeId + " is reverted already"));
          }
          return conn.preparedQuery("UPDATE support_patterns SET active = $2, min_confidence = $3, deactivation_reason "
                  + "= CASE WHEN $2 THEN NULL ELSE deactivation_reason END, updated_at = $4 WHERE id = $1")
              .execute(Tuple.of(r.getString(0), r.getBoolean(1), r.getDouble(2), now))
              .compose(u -> conn.preparedQuery("UPDATE learning_pattern_changes SET reverted_at = $2, reverted_by = $3 "
                  + "WHERE id = $1").execute(Tuple.of(changeId, now, who)));
        })).compose(v -> changes(null, 1, changeId)).map(l -> l.get(0));
  }

  /** Recorded changes, newest first (of one pattern when given). */
  Future<List<JsonObject>> changes(String patternId, int limit, Long id) {
    return pool.preparedQuery("SELECT id, pattern_id, change, reason, old_active, new_active, old_min_confidence, "
            + "new_min_confidence, times_triggered, times_resolved, created_at, reverted_at FROM "
            + "learning_pattern_changes WHERE ($1::text IS NULL OR pattern_id = $1) AND ($3::bigint IS NULL OR id = $3)"
            + " ORDER BY created_at DESC, id DESC LIMIT $2")
        .execute(Tuple.of(patternId, limit, id)).map(rs -> {
          List<JsonObject> out = new ArrayList<>();
          for (Row r : rs) {
            out.add(change(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), r.getBoolean(4),
                r.getBoolean(5), r.getDouble(6), r.getDouble(7), r.getInteger(8), r.getInteger(9),
                r.getOffsetDateTime(10), r.getOffsetDateTime(11)));
          }
          return out;
        });
  }

  private static JsonObject change(long id, String patternId, String kind, String reason, boolean oldActive,
      boolean newActive, double oldMin, double newMin, int triggered, int resolved, OffsetDateTime at,
      OffsetDateTime revertedAt) {
    return new JsonObject().put("id", id).put("pattern_id", patternId).put("change", kind).put("reason", reason)
        .put("before", new JsonObject().put("active", oldActive).put("min_confidence", oldMin))
        .put("after", new JsonObject().put("active", newActive).put("min_confidence", newMin))
        .put("times_triggered", triggered).put("times_resolved", resolved)
        .put("effectiveness", triggered == 0 ? null : Math.round(1000.0 * resolved / triggered) / 1000.0)
        .put("created_at", at.toInstant().toString())
        .put("reverted_at", revertedAt == null ? null : revertedAt.toInstant().toString());
  }

  private OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
