package io.supportpilot.learning;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Exact pattern statistics from {@code learning_pattern_triggers}: a trigger row is inserted once per (conversation,
 * pattern) and bumps {@code times_triggered} in the same statement; a resolution (without a human, or rated >= 4)
 * flips the row's flag and bumps {@code times_resolved} in the same statement; ratings recompute the average. Every
 * bump is one SQL statement over the rows it changed, so concurrent batches and instances never double-count.
 */
final class PatternStatistics {

  private final Pool pool;

  PatternStatistics(Pool pool) {
    this.pool = pool;
  }

  /** A pattern that contributed to the triage decision of a conversation. */
  record Trigger(String conversationId, String patternId) {
  }

  /** Records a batch of triggers; returns how many were new (and counted). */
  Future<Integer> recordTriggers(List<Trigger> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<String> conversations = new ArrayList<>();
    List<String> patterns = new ArrayList<>();
    for (Trigger t : batch) {
      conversations.add(t.conversationId());
      patterns.add(t.patternId());
    }
    // Unknown conversations or patterns (deleted meanwhile) are skipped by the joins, never an error.
    return pool.preparedQuery("WITH input AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS i(c, p)), "
            + "ins AS (INSERT INTO learning_pattern_triggers (conversation_id, pattern_id) "
            + "  SELECT i.c, i.p FROM input i JOIN support_conversations c ON c.id = i.c "
            + "  JOIN support_patterns p ON p.id = i.p ON CONFLICT DO NOTHING RETURNING pattern_id), "
            + "upd AS (UPDATE support_patterns sp SET times_triggered = sp.times_triggered + n.k "
            + "  FROM (SELECT pattern_id, count(*)::int AS k FROM ins GROUP BY pattern_id) n "
            + "  WHERE sp.id = n.pattern_id RETURNING n.k) "
            + "SELECT coalesce(sum(k), 0)::int FROM upd")
        .execute(Tuple.tuple().addArrayOfString(conversations.toArray(new String[0]))
            .addArrayOfString(patterns.toArray(new String[0])))
        .map(rs -> rs.iterator().next().getInteger(0));
  }

  /**
   * Counts resolutions: every uncounted trigger whose conversation is resolved (or closed) without a human, or rated
   * 4 or more, bumps its pattern's {@code times_resolved} once. Also copies ratings and recomputes the average
   * satisfaction of the patterns whose ratings changed. Returns the number of resolutions counted.
   */
  Future<Integer> countResolutions() {
    Future<Integer> resolved = pool.query("WITH done AS (UPDATE learning_pattern_triggers t SET resolved_counted = TRUE "
            + "  FROM support_conversations c WHERE t.conversation_id = c.id AND NOT t.resolved_counted "
            + "  AND ((c.status IN ('resolved', 'closed') AND c.handled_by = 'ai') OR c.satisfaction_rating >= 4) "
            + "  RETURNING t.pattern_id), "
            + "upd AS (UPDATE support_patterns sp SET times_resolved = sp.times_resolved + n.k "
            + "  FROM (SELECT pattern_id, count(*)::int AS k FROM done GROUP BY pattern_id) n "
            + "  WHERE sp.id = n.pattern_id RETURNING n.k) "
            + "SELECT coalesce(sum(k), 0)::int FROM upd").execute()
        .map(rs -> rs.iterator().next().getInteger(0));
    // Two statements: a data-modifying CTE's changes are invisible to the rest of its own statement.
    return resolved.compose(n -> pool.query("UPDATE learning_pattern_triggers t SET rating = c.satisfaction_rating "
            + "FROM support_conversations c WHERE t.conversation_id = c.id AND c.satisfaction_rating IS NOT NULL "
            + "AND t.rating IS DISTINCT FROM c.satisfaction_rating RETURNING t.pattern_id").execute()
        .compose(rs -> {
          List<String> ids = new ArrayList<>();
          rs.forEach(r -> ids.add(r.getString(0)));
          if (ids.isEmpty()) {
            return Future.succeededFuture(n);
          }
          return pool.preparedQuery("UPDATE support_patterns sp SET avg_satisfaction = a.avg FROM ("
                  + "SELECT pattern_id, avg(rating)::float8 AS avg FROM learning_pattern_triggers "
                  + "WHERE rating IS NOT NULL AND pattern_id = ANY($1) GROUP BY pattern_id) a "
                  + "WHERE sp.id = a.pattern_id")
              .execute(Tuple.of(ids.stream().distinct().toArray(String[]::new))).map(n);
        }));
  }
}
