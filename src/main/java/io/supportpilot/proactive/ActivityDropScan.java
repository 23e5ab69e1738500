package io.supportpilot.proactive;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * Plan 3.3, in one set-based statement: a paying user (plan not exempt) with more than the minimum calls in 30 days,
 * silent for the inactivity period and with recent errors gets one proactive activity_drop ticket with those errors
 * attached. Beyond the plan, the silence must also cover enough of the user's own usual weekdays (learnt from the
 * weeks before it), so a weekday-only user is not flagged on Monday, and a user with too little history is not judged.
 */
final class ActivityDropScan {

  /**
   * $1 now, $2 silent-since cutoff, $3 30-day cutoff, $4 first-call cutoff (history), $5 exempt plans, $6 minimum calls,
   * $7 time zone, $8 baseline days, $9 missed usual days needed, $10 usual-day share, $11 error lookback seconds,
   * $12 batch size, $13 and $14 the (last_at, user_id) after which this batch's candidates start.
   */
  static final String SQL = "WITH cand AS (SELECT a.user_id, a.last_at, u.language, "
      + "(a.last_at AT TIME ZONE $7)::date AS last_day, (a.first_at AT TIME ZONE $7)::date AS first_day, "
      + "($1 AT TIME ZONE $7)::date AS today FROM usage_activity a JOIN users u ON u.id = a.user_id "
      + "WHERE a.last_at < $2 AND a.last_at >= $3 AND a.first_at <= $4 AND NOT (u.plan = ANY($5)) "
      + "AND NOT EXISTS (SELECT 1 FROM proactive_activity_drops p WHERE p.user_id = a.user_id "
      + "AND p.last_activity_at = a.last_at) "
      + "AND NOT EXISTS (SELECT 1 FROM support_conversations s WHERE s.user_id = a.user_id "
      + "AND s.category = 'activity_drop' AND s.status NOT IN ('resolved', 'closed')) "
      // Keyset batches: each batch evaluates the next candidates only, so a catch-up never re-evaluates the earlier ones.
      + "AND (a.last_at, a.user_id) > ($13::timestamptz, $14::text) ORDER BY a.last_at, a.user_id LIMIT $12), "
      // Per candidate, by index lookups only (laterals): calls in 30 days, recent errors, usual weekdays, missed ones.
      + "due AS (SELECT c.user_id, c.last_at, c.language, v.calls_30d, m.missed_days, x.errors, x.lines, "
      + "gen_random_uuid()::text AS conversation_id, to_char(c.last_at AT TIME ZONE $7, 'YYYY-MM-DD HH24:MI') AS since "
      + "FROM cand c "
      + "CROSS JOIN LATERAL (SELECT sum(d.calls)::bigint AS calls_30d FROM api_usage_daily d WHERE d.user_id = c.user_id "
      + "AND d.day > c.today - 30) v "
      + "CROSS JOIN LATERAL (SELECT count(*) AS n, jsonb_agg(jsonb_build_object('id', e.id, 'error_type', e.error_type, "
      + "'error_code', e.error_code, 'tool', e.tool, 'message', left(e.message, 300), 'occurred_at', e.occurred_at) "
      + "ORDER BY e.occurred_at DESC) AS errors, string_agg('- ' || e.error_type || COALESCE(' (' || e.error_code || ')', "
      + "'') || COALESCE(': ' || left(e.message, 200), '') || ' [' || to_char(e.occurred_at AT TIME ZONE $7, "
      + "'YYYY-MM-DD HH24:MI') || ']', E'\\n' ORDER BY e.occurred_at DESC) AS lines FROM (SELECT * FROM support_error_log e "
      + "WHERE e.user_id = c.user_id AND e.created_at >= c.last_at - make_interval(secs => $11) "
      + "ORDER BY e.created_at DESC LIMIT 5) e) x "
      // A weekday is usual when the user was active on at least the given share of its occurrences in the baseline.
      + "CROSS JOIN LATERAL (SELECT COALESCE(array_agg(w.dow), '{}') AS dows FROM (SELECT "
      + "extract(isodow FROM g.day)::int AS dow, count(*) AS occurrences, count(*) FILTER (WHERE g.day::date = "
      + "ANY(act.days)) AS active FROM generate_series(GREATEST(c.first_day, c.last_day - ($8 - 1))::timestamp, "
      + "c.last_day::timestamp, interval '1 day') g(day), (SELECT array_agg(DISTINCT d.day) AS days FROM "
      + "api_usage_daily d WHERE d.user_id = c.user_id AND d.day BETWEEN c.last_day - ($8 - 1) AND c.last_day "
      + "AND d.calls > 0) act GROUP BY 1) w WHERE w.active > 0 AND w.active >= $10 * w.occurrences) p "
      // Whole days of silence (after the last active day, before today) that fall on a usual weekday.
      + "CROSS JOIN LATERAL (SELECT count(*) AS missed_days FROM generate_series((c.last_day + 1)::timestamp, "
      + "(c.today - 1)::timestamp, interval '1 day') g(day) WHERE extract(isodow FROM g.day)::int = ANY(p.dows)) m "
      + "WHERE v.calls_30d > $6 AND x.n > 0 AND m.missed_days >= $9), "
      + "ins AS (INSERT INTO proactive_activity_drops (user_id, last_activity_at, conversation_id, detected_at, details) "
      + "SELECT user_id, last_at, conversation_id, $1, jsonb_build_object('calls_30d', calls_30d, 'missed_usual_days', "
      + "missed_days, 'errors', errors) FROM due ON CONFLICT DO NOTHING RETURNING user_id), "
      + "conv AS (INSERT INTO support_conversations (id, user_id, subject, status, category, priority, handled_by, "
      + "language, auto_created, created_at, updated_at) SELECT d.conversation_id, d.user_id, CASE WHEN "
      + "d.language = 'en' THEN 'No activity since ' || d.since || ': can we help?' ELSE 'Geen activiteit meer sinds ' "
      + "|| d.since || ': kunnen we helpen?' END, 'open', 'activity_drop', 'normal', 'system', d.language, TRUE, $1, $1 "
      + "FROM due d JOIN ins USING (user_id) RETURNING id), "
      + "msg AS (INSERT INTO support_messages (conversation_id, sender_type, content, metadata, created_at) "
      + "SELECT d.conversation_id, 'system', CASE WHEN d.language = 'en' THEN 'Your AI assistant has not used Exact "
      + "Online since ' || d.since || ', while it made ' || d.calls_30d || ' calls in the last 30 days. Just before, "
      + "these errors occurred:' || E'\\n' || d.lines ELSE 'Je AI assistent heeft Exact Online sinds ' || d.since || "
      + "' niet meer gebruikt, terwijl er de afgelopen 30 dagen ' || d.calls_30d || ' aanroepen waren. Vlak daarvoor "
      + "zagen we deze fouten:' || E'\\n' || d.lines END, jsonb_build_object('kind', 'activity_drop', "
      + "'last_activity_at', d.last_at, 'calls_30d', d.calls_30d, 'missed_usual_days', d.missed_days, 'errors', "
      + "d.errors), $1 FROM due d JOIN ins USING (user_id) RETURNING id) "
      + "SELECT (SELECT count(*) FROM cand), (SELECT count(*) FROM due), (SELECT count(*) FROM ins), "
      + "(SELECT count(*) FROM conv), (SELECT count(*) FROM msg), k.last_at, k.user_id FROM (SELECT NULL) z "
      + "LEFT JOIN LATERAL (SELECT last_at, user_id FROM cand ORDER BY last_at DESC, user_id DESC LIMIT 1) k ON TRUE";

  /** Before every candidate: the first batch starts here. */
  static final OffsetDateTime START = OffsetDateTime.parse("1970-01-01T00:00:00Z");

  private final ProactiveConfig cfg;

  ActivityDropScan(ProactiveConfig cfg) {
    this.cfg = cfg;
  }

  /** The parameters of {@link #SQL} at {@code now} for the batch of candidates after ({@code afterAt, afterUser}). */
  Tuple args(OffsetDateTime now, OffsetDateTime afterAt, String afterUser) {
    return Tuple.from(new Object[] {now, now.minus(cfg.inactiveFor()), now.minus(Duration.ofDays(30)),
        now.minus(cfg.minHistory()), cfg.exemptPlans().toArray(new String[0]), cfg.minCalls30d(), cfg.zone().getId(),
        cfg.baselineWeeks() * 7, cfg.missedUsualDays(), cfg.usualDayShare(), (double) cfg.errorsLookback().toSeconds(),
        cfg.scanBatchSize(), afterAt, afterUser});
  }

  /** Runs keyset batches of candidates until one is not full; the result counts candidates and tickets opened. */
  Future<JsonObject> run(SqlClient db, OffsetDateTime now, int maxBatches) {
    JsonObject result = new JsonObject().put("silent_candidates", 0L).put("tickets", 0L);
    return loop(db, now, result, maxBatches, START, "").map(v -> result);
  }

  private Future<Void> loop(SqlClient db, OffsetDateTime now, JsonObject result, int left, OffsetDateTime afterAt,
      String afterUser) {
    if (left <= 0) {
      return Future.succeededFuture();
    }
    return db.preparedQuery(SQL).execute(args(now, afterAt, afterUser)).compose(rows -> {
      Row r = rows.iterator().next();
      result.put("silent_candidates", result.getLong("silent_candidates") + r.getLong(0));
      result.put("tickets", result.getLong("tickets") + r.getLong(2));
      return r.getLong(0) < cfg.scanBatchSize() ? Future.succeededFuture()
          : loop(db, now, result, left - 1, r.getOffsetDateTime(5), r.getString(6));
    });
  }
}
