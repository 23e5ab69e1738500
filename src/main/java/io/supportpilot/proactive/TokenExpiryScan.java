package io.supportpilot.proactive;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;

/**
 * Plan 3.1: connections whose refresh token expires within the warning period get one proactive conversation (system,
 * high, category connection, in the customer's language), a system message with the expiry and a re-auth link, and an
 * e-mail in the outbox; one that already expired gets an "expired" notice instead. Each step is one set-based
 * statement keyed by (connection, expiry, kind), so a repeated, concurrent or interrupted scan never warns twice.
 */
final class TokenExpiryScan {

  private static final String MONTHS_NL = "(ARRAY['januari','februari','maart','april','mei','juni','juli','augustus',"
      + "'september','oktober','november','december'])";
  private static final String MONTHS_EN = "(ARRAY['January','February','March','April','May','June','July','August',"
      + "'September','October','November','December'])";
  /** The expiry in the customer's words; {@code l} is the local expiry timestamp, {@code language} nl or en. */
  private static final String WHEN = "CASE WHEN language = 'en' THEN extract(day FROM l)::int || ' ' || "
      + MONTHS_EN + "[extract(month FROM l)::int] || ' ' || extract(year FROM l)::int || ' at ' || to_char(l, 'HH24:MI') "
      + "ELSE extract(day FROM l)::int || ' ' || " + MONTHS_NL + "[extract(month FROM l)::int] || ' ' || "
      + "extract(year FROM l)::int || ' om ' || to_char(l, 'HH24:MI') END || ' (' || $5 || ')'";
  private static final String LINK = "$4 || '/connections/' || c.id || '/reauth?token=' || "
      + "replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '')";

  /** Warnings whose connection was refreshed since: prevented when refreshed before the expiry. */
  static final String OUTCOMES = "WITH upd AS (UPDATE proactive_token_warnings w SET outcome = CASE WHEN "
      + "COALESCE(c.last_refresh_at, c.updated_at) < w.expires_at THEN 'prevented' ELSE 'renewed_late' END, "
      + "outcome_at = $1 FROM connections c WHERE c.id = w.connection_id AND w.outcome IS NULL "
      + "AND w.kind = 'expiring' AND c.token_expires_at > w.expires_at AND c.status NOT IN ('expired', 'revoked') "
      + "RETURNING w.outcome, w.conversation_id), "
      + "closed AS (UPDATE support_conversations s SET status = 'closed', resolution_summary = "
      + "'The connection was renewed before it expired (proactive warning prevented an outage)', updated_at = $1 "
      + "FROM upd WHERE s.id = upd.conversation_id AND upd.outcome = 'prevented' AND s.status = 'waiting_customer' "
      + "RETURNING s.id, s.language), "
      + "msg AS (INSERT INTO support_messages (conversation_id, sender_type, content, metadata, created_at) "
      + "SELECT id, 'system', CASE WHEN language = 'en' THEN 'Your Exact Online connection has been renewed: nothing "
      + "more to do.' ELSE 'Je Exact Online verbinding is vernieuwd: je hoeft niets meer te doen.' END, "
      + "'{\"kind\":\"token_expiry_prevented\"}'::jsonb, $1 FROM closed RETURNING id), "
      + "bump AS (SELECT desk_bump('issues_prevented', $1, count(*)) FROM upd WHERE outcome = 'prevented' "
      + "HAVING count(*) > 0) "
      + "SELECT (SELECT count(*) FROM upd WHERE outcome = 'prevented'), "
      + "(SELECT count(*) FROM upd WHERE outcome = 'renewed_late'), (SELECT count(*) FROM msg), "
      + "(SELECT count(*) FROM bump)";

  /** New warnings: $1 now, $2 now + warning period, $3 batch size, $4 public base URL, $5 time zone. */
  static final String WARN = "WITH due AS (SELECT c.id AS connection_id, c.user_id, c.division, "
      + "c.token_expires_at AS expires_at, u.language, u.email, gen_random_uuid()::text AS conversation_id, "
      + LINK + " AS link, (c.token_expires_at AT TIME ZONE $5) AS l FROM connections c JOIN users u ON u.id = c.user_id "
      + "WHERE c.token_expires_at > $1 AND c.token_expires_at <= $2 AND c.status IN ('active', 'expiring') "
      + "AND NOT EXISTS (SELECT 1 FROM proactive_token_warnings w WHERE w.connection_id = c.id "
      + "AND w.expires_at = c.token_expires_at AND w.kind = 'expiring') ORDER BY c.token_expires_at, c.id LIMIT $3), "
      + "txt AS (SELECT due.*, CASE WHEN language = 'en' THEN 'Your Exact Online connection expires soon' "
      + "ELSE 'Je Exact Online verbinding verloopt binnenkort' END AS subject, " + WHEN + " AS at_text, "
      + "CASE WHEN division IS NULL THEN '' WHEN language = 'en' THEN ' (division ' || division || ')' "
      + "ELSE ' (administratie ' || division || ')' END AS div FROM due), "
      + "body AS (SELECT txt.*, CASE WHEN language = 'en' THEN 'Your Exact Online connection' || div || ' expires on ' "
      + "|| at_text || '.' || E'\\n\\n' || 'Click here to reconnect: ' || link || E'\\n\\n' || "
      + "'This prevents interruptions in your AI assistant.' ELSE 'Je Exact Online verbinding' || div || "
      + "' verloopt op ' || at_text || '.' || E'\\n\\n' || 'Klik hier om opnieuw te verbinden: ' || link || "
      + "E'\\n\\n' || 'Dit voorkomt onderbrekingen in je AI assistent.' END AS content FROM txt), "
      + "w AS (INSERT INTO proactive_token_warnings (connection_id, expires_at, kind, user_id, conversation_id, "
      + "warned_at) SELECT connection_id, expires_at, 'expiring', user_id, conversation_id, $1 FROM due "
      + "ON CONFLICT DO NOTHING RETURNING connection_id), "
      + "conv AS (INSERT INTO support_conversations (id, user_id, subject, status, category, priority, handled_by, "
      + "language, auto_created, created_at, updated_at) SELECT b.conversation_id, b.user_id, b.subject, "
      + "'waiting_customer', 'connection', 'high', 'system', b.language, TRUE, $1, $1 FROM body b JOIN w "
      + "USING (connection_id) RETURNING id), "
      + "msg AS (INSERT INTO support_messages (conversation_id, sender_type, content, metadata, created_at) "
      + "SELECT b.conversation_id, 'system', b.content, jsonb_build_object('kind', 'token_expiry_warning', "
      + "'connection_id', b.connection_id, 'expires_at', b.expires_at, 'reauth_link', b.link), $1 FROM body b JOIN w "
      + "USING (connection_id) RETURNING id), "
      + "mail AS (INSERT INTO email_outbox (kind, user_id, connection_id, conversation_id, recipient, subject, body, "
      + "link, day, created_at) SELECT 'token_expiring', b.user_id, b.connection_id, b.conversation_id, b.email, "
      + "b.subject, b.content, b.link, ($1 AT TIME ZONE 'UTC')::date, $1 FROM body b JOIN w USING (connection_id) "
      + "WHERE b.email IS NOT NULL ON CONFLICT (connection_id, kind, day) WHERE connection_id IS NOT NULL DO NOTHING "
      + "RETURNING id), "
      + "bump AS (SELECT desk_bump('token_warnings_sent', $1, count(*)) FROM w HAVING count(*) > 0) "
      + "SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM w), (SELECT count(*) FROM conv), "
      + "(SELECT count(*) FROM msg), (SELECT count(*) FROM mail), (SELECT count(*) FROM bump)";

  /**
   * Expired notices: $1 now, $2 oldest expiry still worth a notice, $3 batch size, $4 base URL, $5 time zone. A
   * connection warned for this expiry gets the notice in the warning's conversation, any other a new conversation.
   */
  static final String EXPIRED = "WITH due AS (SELECT c.id AS connection_id, c.user_id, c.division, "
      + "c.token_expires_at AS expires_at, u.language, u.email, ew.conversation_id AS warned, "
      + "COALESCE(ew.conversation_id, gen_random_uuid()::text) AS conversation_id, " + LINK + " AS link, "
      + "(c.token_expires_at AT TIME ZONE $5) AS l FROM connections c JOIN users u ON u.id = c.user_id "
      + "LEFT JOIN proactive_token_warnings ew ON ew.connection_id = c.id AND ew.expires_at = c.token_expires_at "
      + "AND ew.kind = 'expiring' "
      + "WHERE c.token_expires_at > $2 AND (c.token_expires_at <= $1 OR c.status = 'expired') AND c.status <> 'revoked' "
      + "AND NOT EXISTS (SELECT 1 FROM proactive_token_warnings w WHERE w.connection_id = c.id "
      + "AND w.expires_at = c.token_expires_at AND w.kind = 'expired') ORDER BY c.token_expires_at, c.id LIMIT $3), "
      + "txt AS (SELECT due.*, CASE WHEN language = 'en' THEN 'Your Exact Online connection has expired' "
      + "ELSE 'Je Exact Online verbinding is verlopen' END AS subject, " + WHEN + " AS at_text, "
      + "CASE WHEN division IS NULL THEN '' WHEN language = 'en' THEN ' (division ' || division || ')' "
      + "ELSE ' (administratie ' || division || ')' END AS div FROM due), "
      + "body AS (SELECT txt.*, CASE WHEN language = 'en' THEN 'Your Exact Online connection' || div || "
      + "' has expired (' || at_text || '): your AI assistant can no longer reach Exact Online.' || E'\\n\\n' || "
      + "'Click here to reconnect: ' || link ELSE 'Je Exact Online verbinding' || div || ' is verlopen (' || at_text "
      + "|| '): je AI assistent kan Exact Online niet meer bereiken.' || E'\\n\\n' || "
      + "'Klik hier om opnieuw te verbinden: ' || link END AS content FROM txt), "
      + "w AS (INSERT INTO proactive_token_warnings (connection_id, expires_at, kind, user_id, conversation_id, "
      + "warned_at) SELECT connection_id, expires_at, 'expired', user_id, conversation_id, $1 FROM due "
      + "ON CONFLICT DO NOTHING RETURNING connection_id), "
      + "settled AS (UPDATE proactive_token_warnings p SET outcome = 'expired', outcome_at = $1 FROM due JOIN w "
      + "USING (connection_id) WHERE p.connection_id = due.connection_id AND p.expires_at = due.expires_at "
      + "AND p.kind = 'expiring' AND p.outcome IS NULL RETURNING p.connection_id), "
      + "conv AS (INSERT INTO support_conversations (id, user_id, subject, status, category, priority, handled_by, "
      + "language, auto_created, created_at, updated_at) SELECT b.conversation_id, b.user_id, b.subject, "
      + "'waiting_customer', 'connection', 'high', 'system', b.language, TRUE, $1, $1 FROM body b JOIN w "
      + "USING (connection_id) WHERE b.warned IS NULL RETURNING id), "
      + "bumped AS (UPDATE support_conversations s SET priority = 'urgent', updated_at = $1 FROM body b JOIN w "
      + "USING (connection_id) WHERE s.id = b.warned AND s.status NOT IN ('resolved', 'closed') RETURNING s.id), "
      + "msg AS (INSERT INTO support_messages (conversation_id, sender_type, content, metadata, created_at) "
      + "SELECT b.conversation_id, 'system', b.content, jsonb_build_object('kind', 'token_expired', "
      + "'connection_id', b.connection_id, 'expires_at', b.expires_at, 'reauth_link', b.link), $1 FROM body b JOIN w "
      + "USING (connection_id) RETURNING id), "
      + "mail AS (INSERT INTO email_outbox (kind, user_id, connection_id, conversation_id, recipient, subject, body, "
      + "link, day, created_at) SELECT 'token_expired', b.user_id, b.connection_id, b.conversation_id, b.email, "
      + "b.subject, b.content, b.link, ($1 AT TIME ZONE 'UTC')::date, $1 FROM body b JOIN w USING (connection_id) "
      + "WHERE b.email IS NOT NULL ON CONFLICT (connection_id, kind, day) WHERE connection_id IS NOT NULL DO NOTHING "
      + "RETURNING id), "
      + "bump AS (SELECT desk_bump('token_warnings_sent', $1, count(*)) FROM w HAVING count(*) > 0) "
      + "SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM w), (SELECT count(*) FROM conv), "
      + "(SELECT count(*) FROM msg), (SELECT count(*) FROM mail), (SELECT count(*) FROM bump), "
      + "(SELECT count(*) FROM settled), (SELECT count(*) FROM bumped)";

  private final ProactiveConfig cfg;

  TokenExpiryScan(ProactiveConfig cfg) {
    this.cfg = cfg;
  }

  /**
   * Runs the scan on one session: outcomes first (a refreshed connection is eligible again), then warnings and
   * expired notices in batches until none is due ({@code maxBatches} bounds the batches, for tests of an interrupted
   * scan). The result counts what was done.
   */
  Future<JsonObject> run(SqlClient db, OffsetDateTime now, int maxBatches) {
    JsonObject result = new JsonObject().put("warned", 0L).put("expired_notices", 0L).put("emails_queued", 0L);
    return db.preparedQuery(OUTCOMES).execute(Tuple.of(now))
        .compose(rows -> {
          Row r = rows.iterator().next();
          result.put("prevented", r.getLong(0)).put("renewed_late", r.getLong(1));
          return batches(db, WARN, warnArgs(now), "warned", result, maxBatches);
        })
        .compose(n -> batches(db, EXPIRED, expiredArgs(now), "expired_notices", result, maxBatches - n))
        .map(n -> result);
  }

  /** The parameters of {@link #WARN} at {@code now}. */
  Tuple warnArgs(OffsetDateTime now) {
    return Tuple.of(now, now.plus(cfg.warnBefore()), cfg.scanBatchSize(), cfg.publicBaseUrl(), cfg.zone().getId());
  }

  /** The parameters of {@link #EXPIRED} at {@code now}. */
  Tuple expiredArgs(OffsetDateTime now) {
    return Tuple.of(now, now.minus(cfg.expiredNoticeWindow()), cfg.scanBatchSize(), cfg.publicBaseUrl(),
        cfg.zone().getId());
  }

  /** Runs one statement until a batch finds fewer than a full batch due; completes with the batches run. */
  private Future<Integer> batches(SqlClient db, String sql, Tuple args, String key, JsonObject result, int left) {
    if (left <= 0) {
      return Future.succeededFuture(0);
    }
    return db.preparedQuery(sql).execute(args).compose(rows -> {
      Row r = rows.iterator().next();
      long due = r.getLong(0);
      result.put(key, result.getLong(key) + r.getLong(1));
      result.put("emails_queued", result.getLong("emails_queued") + r.getLong(4));
      if (due < cfg.scanBatchSize()) {
        return Future.succeededFuture(1);
      }
      return batches(db, sql, args, key, result, left - 1).map(n -> n + 1);
    });
  }
}
