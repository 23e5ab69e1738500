package io.supportpilot.spike;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import io.supportpilot.bus.ErrorEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** Postgres access of the spike capability: spikes and their history, samples, patterns, tasks, notifications. */
final class SpikeStore {

  /** One aggregated bucket of the error log for rebuilding windows. */
  record BucketRow(String errorType, String fingerprint, long minute, int count) {
  }

  /** A spike row that was active when read. */
  record ActiveRow(String id, String errorType, Instant startedAt, Instant lastUpdatedAt, Instant firstSeenAt,
      int peak, JsonArray samples, String patternId, String taskId) {
  }

  static final String COLUMNS = "id, error_type, status, count_last_hour, count_24h, hourly_average, ratio, "
      + "peak_count, first_seen_at, started_at, last_updated_at, ended_at, sample_errors, pattern_id, "
      + "devops_task_id, notification_id";

  private static final String REBUILD = "SELECT error_type, fingerprint, "
      + "(CASE WHEN c > $1::timestamptz - interval '1 hour' THEN floor(extract(epoch FROM c) / 60) "
      + "ELSE floor(extract(epoch FROM c) / 3600) * 60 END)::bigint AS minute, count(*)::int AS n "
      + "FROM (SELECT error_type, fingerprint, LEAST(created_at, $1::timestamptz) AS c FROM support_error_log "
      + "WHERE created_at >= $2::timestamptz) e GROUP BY 1, 2, 3";

  private static final String SAMPLES = "SELECT id, source, event_id, user_id, connection_id, tool, error_code, "
      + "status_code, level, left(message, 1000) AS message, left(stack, 2000) AS stack, fingerprint, occurred_at, "
      + "created_at FROM support_error_log WHERE error_type = $1 ORDER BY created_at DESC, id DESC LIMIT $2";

  private static final String INSERT = "WITH s AS (INSERT INTO spikes (id, error_type, status, count_last_hour, "
      + "count_24h, hourly_average, ratio, peak_count, first_seen_at, started_at, last_updated_at, sample_errors) "
      + "VALUES ($1, $2, 'active', $3, $4, $5, $6, $3, $7, $8, $8, $9::jsonb) "
      + "ON CONFLICT (error_type) WHERE status = 'active' DO NOTHING RETURNING id) "
      + "INSERT INTO spike_history (spike_id, event, count_last_hour, count_24h, hourly_average, ratio, recorded_at) "
      + "SELECT id, 'started', $3, $4, $5, $6, $8 FROM s RETURNING spike_id";

  private static final String UPDATE = "WITH s AS (UPDATE spikes SET count_last_hour = $3, count_24h = $4, "
      + "hourly_average = $5, ratio = $6, peak_count = GREATEST(peak_count, $3), last_updated_at = $7, "
      + "status = CASE WHEN $2 = 'ended' THEN 'ended' ELSE status END, "
      + "ended_at = CASE WHEN $2 = 'ended' THEN $7 ELSE ended_at END WHERE id = $1 AND status = 'active' RETURNING id) "
      + "INSERT INTO spike_history (spike_id, event, count_last_hour, count_24h, hourly_average, ratio, recorded_at) "
      + "SELECT id, $2, $3, $4, $5, $6, $7 FROM s";

  private static final String PATTERN = "SELECT id FROM support_patterns WHERE active "
      + "AND ($1 = ANY(error_types) OR $1 = ANY(error_codes)) ORDER BY times_triggered DESC, id LIMIT 1";

  // One open error_spike task per error type: a spike that comes back while its task is open reuses it.
  private static final String TASK = "INSERT INTO devops_tasks (id, type, error_type, details) "
      + "SELECT $1, 'error_spike', $2, $3::jsonb WHERE NOT EXISTS (SELECT 1 FROM devops_tasks "
      + "WHERE type = 'error_spike' AND error_type = $2 AND status IN ('open', 'in_progress')) "
      + "ON CONFLICT (id) DO NOTHING RETURNING id";

  private static final String OPEN_TASK = "SELECT id FROM devops_tasks WHERE type = 'error_spike' "
      + "AND error_type = $1 AND status IN ('open', 'in_progress') ORDER BY created_at DESC LIMIT 1";

  private final Pool pool;

  SpikeStore(Pool pool) {
    this.pool = pool;
  }

  static OffsetDateTime odt(Instant i) {
    return i == null ? null : OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  static String iso(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }

  /** The rebuild's view of the error log: bucket counts, and which held events those counts already include. */
  record Snapshot(List<BucketRow> rows, Set<String> storedKeys) {
  }

  /** The key of an event in {@link Snapshot#storedKeys()}. */
  static String key(ErrorEvent e) {
    return e.source() + '\u0000' + e.eventId();
  }

  /**
   * Reads, in one repeatable-read snapshot, the error log of the 24-hour window ending at {@code now} (per minute
   * for the last hour, per hour before) and which of the {@code held} events (received during the rebuild) are
   * already in it, so that replaying the held events never counts an error twice.
   */
  Future<Snapshot> snapshot(Instant now, Instant since, Supplier<List<ErrorEvent>> held) {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute()
        .compose(v -> conn.preparedQuery(REBUILD).execute(Tuple.of(odt(now), odt(since))))
        .compose(rows -> {
          List<BucketRow> out = new ArrayList<>(rows.size());
          for (Row r : rows) {
            out.add(new BucketRow(r.getString(0), r.getString(1), r.getLong(2), r.getInteger(3)));
          }
          List<ErrorEvent> h = held.get();
          if (h.isEmpty()) {
            return Future.succeededFuture(new Snapshot(out, Set.of()));
          }
          String[] sources = new String[h.size()];
          String[] ids = new String[h.size()];
          for (int i = 0; i < h.size(); i++) {
            sources[i] = h.get(i).source();
            ids[i] = h.get(i).eventId();
          }
          return conn.preparedQuery("SELECT source, event_id FROM support_error_log WHERE (source, event_id) IN "
              + "(SELECT * FROM unnest($1::text[], $2::text[]))").execute(Tuple.of(sources, ids)).map(stored -> {
                Set<String> keys = new HashSet<>();
                for (Row r : stored) {
                  keys.add(r.getString(0) + '\u0000' + r.getString(1));
                }
                return new Snapshot(out, keys);
              });
        }));
  }

  /** The spikes marked active. */
  Future<List<ActiveRow>> active() {
    return pool.query("SELECT " + COLUMNS + " FROM spikes WHERE status = 'active'").execute().map(rows -> {
      List<ActiveRow> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(new ActiveRow(r.getString("id"), r.getString("error_type"), instant(r, "started_at"),
            instant(r, "last_updated_at"), instant(r, "first_seen_at"), r.getInteger("peak_count"),
            toArray(r.getValue("sample_errors")), r.getString("pattern_id"), r.getString("devops_task_id")));
      }
      return out;
    });
  }

  /** The most recent errors of a type, newest first, as JSON objects (message and stack shortened). */
  Future<JsonArray> samples(String errorType, int limit) {
    if (limit == 0) {
      return Future.succeededFuture(new JsonArray());
    }
    return pool.preparedQuery(SAMPLES).execute(Tuple.of(errorType, limit)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row r : rows) {
        out.add(new JsonObject()
            .put("id", r.getLong("id"))
            .put("source", r.getString("source"))
            .put("event_id", r.getString("event_id"))
            .put("user_id", r.getString("user_id"))
            .put("connection_id", r.getString("connection_id"))
            .put("tool", r.getString("tool"))
            .put("error_code", r.getString("error_code"))
            .put("status_code", r.getInteger("status_code"))
            .put("level", r.getString("level"))
            .put("message", r.getString("message"))
            .put("stack", r.getString("stack"))
            .put("fingerprint", r.getString("fingerprint"))
            .put("occurred_at", iso(r.getOffsetDateTime("occurred_at")))
            .put("created_at", iso(r.getOffsetDateTime("created_at"))));
      }
      return out;
    });
  }

  /** Inserts a new active spike and its 'started' history row; false when the type already has an active one. */
  Future<Boolean> insert(String id, String errorType, int hour, int day, double avg, double ratio,
      Instant firstSeen, Instant at, JsonArray samples) {
    return pool.preparedQuery(INSERT).execute(Tuple.from(new Object[] {id, errorType, hour, day, avg, ratio,
        odt(firstSeen), odt(at), samples})).map(rows -> rows.rowCount() > 0);
  }

  /** Records an update or the end of an active spike, with a history row. */
  Future<Void> update(String id, String event, int hour, int day, double avg, double ratio, Instant at) {
    return pool.preparedQuery(UPDATE).execute(Tuple.from(new Object[] {id, event, hour, day, avg, ratio, odt(at)}))
        .mapEmpty();
  }

  /** The active pattern that knows this error type (in its error types or error codes), if any. */
  Future<Optional<String>> patternFor(String errorType) {
    return pool.preparedQuery(PATTERN).execute(Tuple.of(errorType)).map(rows -> first(rows));
  }

  /** Creates the error_spike DevOps task unless one is open for the type; returns the new task's id, if created. */
  Future<Optional<String>> insertTask(String id, String errorType, JsonObject details) {
    return pool.preparedQuery(TASK).execute(Tuple.of(id, errorType, details)).map(rows -> first(rows));
  }

  /** The open error_spike task of a type, if any. */
  Future<Optional<String>> openTask(String errorType) {
    return pool.preparedQuery(OPEN_TASK).execute(Tuple.of(errorType)).map(rows -> first(rows));
  }

  /** Inserts an admin notification and returns its id. */
  Future<Long> insertNotification(String kind, String title, JsonObject details) {
    return pool.preparedQuery("INSERT INTO admin_notifications (kind, title, details) VALUES ($1, $2, $3::jsonb) "
        + "RETURNING id").execute(Tuple.of(kind, title, details)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Stores what the spike led to: the pattern, the task and the notification. */
  Future<Void> link(String id, String patternId, String taskId, Long notificationId) {
    return pool.preparedQuery("UPDATE spikes SET pattern_id = $2, devops_task_id = $3, notification_id = $4 "
        + "WHERE id = $1").execute(Tuple.of(id, patternId, taskId, notificationId)).mapEmpty();
  }

  /** Spikes newest first, optionally of one status. */
  Future<JsonArray> list(String status, int limit) {
    String sql = "SELECT " + COLUMNS + " FROM spikes" + (status == null ? "" : " WHERE status = $2")
        + " ORDER BY started_at DESC, id LIMIT $1";
    Tuple t = status == null ? Tuple.of(limit) : Tuple.of(limit, status);
    return pool.preparedQuery(sql).execute(t).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(rowJson(r)));
      return out;
    });
  }

  /** One spike with its history, or empty. */
  Future<Optional<JsonObject>> get(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM spikes WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(Optional.<JsonObject>empty());
          }
          JsonObject spike = rowJson(rows.iterator().next());
          return pool.preparedQuery("SELECT event, count_last_hour, count_24h, hourly_average, ratio, recorded_at "
              + "FROM spike_history WHERE spike_id = $1 ORDER BY id").execute(Tuple.of(id)).map(h -> {
                JsonArray history = new JsonArray();
                for (Row r : h) {
                  history.add(new JsonObject().put("event", r.getString(0)).put("count_last_hour", r.getInteger(1))
                      .put("count_24h", r.getInteger(2)).put("hourly_average", r.getDouble(3))
                      .put("ratio", r.getDouble(4)).put("recorded_at", iso(r.getOffsetDateTime(5))));
                }
                return Optional.of(spike.put("history", history));
              });
        });
  }

  static JsonObject rowJson(Row r) {
    return new JsonObject()
        .put("id", r.getString("id"))
        .put("error_type", r.getString("error_type"))
        .put("status", r.getString("status"))
        .put("count_last_hour", r.getInteger("count_last_hour"))
        .put("count_24h", r.getInteger("count_24h"))
        .put("hourly_average", r.getDouble("hourly_average"))
        .put("ratio", r.getDouble("ratio"))
        .put("peak_count", r.getInteger("peak_count"))
        .put("first_seen_at", iso(r.getOffsetDateTime("first_seen_at")))
        .put("started_at", iso(r.getOffsetDateTime("started_at")))
        .put("last_updated_at", iso(r.getOffsetDateTime("last_updated_at")))
        .put("ended_at", iso(r.getOffsetDateTime("ended_at")))
        .put("sample_errors", toArray(r.getValue("sample_errors")))
        .put("pattern_id", r.getString("pattern_id"))
        .put("devops_task_id", r.getString("devops_task_id"))
        .put("notification_id", r.getLong("notification_id"));
  }

  private static Instant instant(Row r, String column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }

  private static JsonArray toArray(Object jsonb) {
    if (jsonb instanceof JsonArray) {
      return (JsonArray) jsonb;
    }
    return jsonb == null ? new JsonArray() : new JsonArray(jsonb.toString());
  }

  private static Optional<String> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.ofNullable(rows.iterator().next().getString(0));
  }
}
