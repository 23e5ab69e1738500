package io.supportpilot.devops;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The DevOps task queue in Postgres: one open task per key (Sentry issue, fingerprint or error type) enforced by a
 * partial unique index, an atomic claim so that one instance works a task, runs recorded for the metrics, and the
 * pull request each task led to.
 */
final class DevopsTasks {

  /** A claimed task. */
  record Task(String id, String type, String errorType, String conversationId, JsonObject details, int attempts,
      String key) {

    /** The Sentry issue id the task is about, if any. */
    String sentryIssueId() {
      Object v = details.getValue("issue_id");
      return v == null ? null : String.valueOf(v);
    }
  }

  private static final String CREATE = "INSERT INTO devops_tasks (id, type, status, error_type, dedupe_key, details, "
      + "created_at, updated_at) SELECT $1, $2, 'open', $3, $4, $5, $6, $6 "
      + "WHERE $7 OR NOT EXISTS (SELECT 1 FROM devops_tasks WHERE dedupe_key = $4 AND finished_at > $8) "
      + "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('open', 'in_progress') DO NOTHING "
      + "RETURNING id";

  // Tasks of other capabilities (spikes, escalations) are keyed by error type when claimed.
  private static final String KEY = "CASE WHEN error_type IS NULL OR error_type = '' THEN 'task:' || id "
      + "ELSE 'type:' || error_type END";

  private static final String CLAIM = "UPDATE devops_tasks SET status = 'in_progress', started_at = $2, "
      + "updated_at = $2, attempts = attempts + 1, dedupe_key = COALESCE(dedupe_key, " + KEY + ") "
      + "WHERE id = $1 AND status = 'open' AND (not_before IS NULL OR not_before <= $2) "
      + "RETURNING id, type, error_type, conversation_id, details, attempts, dedupe_key";

  // A spike of an error type that a Sentry task already covers (open, or finished within the quiet period) is not
  // worked twice: the same error storm would otherwise start a second agent.
  private static final String COVERED = "UPDATE devops_tasks t SET status = 'dismissed', outcome = 'covered', "
      + "finished_at = $2, updated_at = $2, details = t.details || jsonb_build_object('covered_by', o.id) "
      + "FROM devops_tasks o WHERE t.id = $1 AND t.status = 'open' AND t.type = 'error_spike' AND o.id <> t.id "
      + "AND o.error_type = t.error_type AND o.type = 'sentry_error' "
      + "AND (o.status IN ('open', 'in_progress') OR o.finished_at > $3) RETURNING t.id";

  private final Pool pool;
  private final Clock clock;

  DevopsTasks(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /**
   * Creates an open task for the key unless one is open, or one finished within {@code quiet} (a regression
   * ignores the quiet period). Returns the new task's id when created.
   */
  Future<Optional<String>> create(String id, String type, String errorType, String key, JsonObject details,
      boolean regression, Duration quiet) {
    OffsetDateTime now = now();
    return pool.preparedQuery(CREATE).execute(Tuple.from(new Object[] {id, type, errorType, key, details, now,
        regression, now.minus(quiet)})).map(rows -> rows.size() == 0 ? Optional.<String>empty()
        : Optional.of(rows.iterator().next().getString(0)));
  }

  /**
   * Claims an open task (status in_progress, attempts + 1). A task written by another capability without a key
   * gets a key by its error type; when that key is already open elsewhere the task is dismissed as merged into that one.
   */
  Future<Optional<Task>> claim(String id, Duration quiet) {
    OffsetDateTime now = now();
    return pool.preparedQuery(COVERED).execute(Tuple.of(id, now, now.minus(quiet)))
        .compose(covered -> covered.size() > 0 ? Future.succeededFuture(Optional.<Task>empty()) : claim(id, now));
  }

  private Future<Optional<Task>> claim(String id, OffsetDateTime now) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(id, now)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.<Task>empty();
      }
      Row r = rows.iterator().next();
      Object d = r.getValue("details");
      return Optional.of(new Task(r.getString("id"), r.getString("type"), r.getString("error_type"),
          r.getString("conversation_id"), d instanceof JsonObject ? (JsonObject) d : new JsonObject(),
          r.getInteger("attempts"), r.getString("dedupe_key")));
    }).recover(e -> {
      if (e instanceof PgException && "23505".equals(((PgException) e).getSqlState())) {
        return pool.preparedQuery("UPDATE devops_tasks SET status = 'dismissed', outcome = 'merged_into', "
            + "finished_at = $2, updated_at = $2, details = details || jsonb_build_object('merged_into_key', " + KEY
            + ") WHERE id = $1 AND status = 'open'").execute(Tuple.of(id, now))
            .map(x -> Optional.<Task>empty());
      }
      return Future.failedFuture(e);
    });
  }

  /** Records the start of an agent run; returns its id. */
  Future<Long> startRun(String taskId, String mode) {
    return pool.preparedQuery("INSERT INTO devops_runs (task_id, mode, started_at) VALUES ($1, $2, $3) RETURNING id")
        .execute(Tuple.of(taskId, mode, now())).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Records how a run ended. */
  Future<Void> finishRun(long runId, String outcome, int iterations, long tokens) {
    return pool.preparedQuery("UPDATE devops_runs SET outcome = $2, iterations = $3, tokens = $4, finished_at = $5 "
        + "WHERE id = $1").execute(Tuple.of(runId, outcome, iterations, tokens, now())).mapEmpty();
  }

  /** Ends a task: done (notified, pr closed) or dismissed, with its analysis. */
  Future<Void> finish(String id, String status, String outcome, JsonObject analysis) {
    return pool.preparedQuery("UPDATE devops_tasks SET status = $2, outcome = $3, analysis = COALESCE($4, analysis), "
        + "finished_at = $5, updated_at = $5 WHERE id = $1").execute(Tuple.of(id, status, outcome, analysis, now()))
        .mapEmpty();
  }

  /** Links the draft pull request; the task stays in progress (its key blocked) until the PR is merged or closed. */
  Future<Void> linkPr(String id, int number, String url, String branch, JsonObject analysis) {
    return pool.preparedQuery("UPDATE devops_tasks SET outcome = 'pr_opened', pr_number = $2, pr_url = $3, "
        + "pr_branch = $4, pr_state = 'open', pr_created_at = $5, pr_checked_at = $5, analysis = $6, updated_at = $5 "
        + "WHERE id = $1").execute(Tuple.of(id, number, url, branch, now(), analysis)).mapEmpty();
  }

  /** Puts a task back in the queue, not before the given time. */
  Future<Void> requeue(String id, Instant notBefore) {
    return pool.preparedQuery("UPDATE devops_tasks SET status = 'open', not_before = $2, updated_at = $3 "
        + "WHERE id = $1").execute(Tuple.of(id, OffsetDateTime.ofInstant(notBefore, ZoneOffset.UTC), now()))
        .mapEmpty();
  }

  /** Tasks stuck in progress without a PR since before the cutoff (an instance died mid-run) go back to open. */
  Future<Integer> reclaimStale(Duration runTimeout) {
    OffsetDateTime now = now();
    return pool.preparedQuery("UPDATE devops_tasks SET status = 'open', updated_at = $2 WHERE status = 'in_progress' "
        + "AND pr_number IS NULL AND started_at < $1").execute(Tuple.of(now.minus(runTimeout), now))
        .map(rows -> rows.rowCount());
  }

  /** Open tasks due now, oldest first. */
  Future<List<String>> due(int limit) {
    return pool.preparedQuery("SELECT id FROM devops_tasks WHERE status = 'open' AND (not_before IS NULL "
        + "OR not_before <= $1) ORDER BY created_at LIMIT $2").execute(Tuple.of(now(), limit)).map(rows -> {
          List<String> out = new ArrayList<>();
          rows.forEach(r -> out.add(r.getString(0)));
          return out;
        });
  }

  /** Tasks whose pull request is open, least recently checked first. */
  Future<List<JsonObject>> openPrs(int limit) {
    return pool.preparedQuery("SELECT id, pr_number FROM devops_tasks WHERE pr_state = 'open' "
        + "ORDER BY pr_checked_at NULLS FIRST LIMIT $1").execute(Tuple.of(limit)).map(rows -> {
          List<JsonObject> out = new ArrayList<>();
          rows.forEach(r -> out.add(new JsonObject().put("id", r.getString(0)).put("pr_number", r.getInteger(1))));
          return out;
        });
  }

  /** Records a PR's state; merged or closed ends the task. */
  Future<Void> prState(String id, String state, Instant mergedAt) {
    OffsetDateTime now = now();
    OffsetDateTime merged = mergedAt == null ? null : OffsetDateTime.ofInstant(mergedAt, ZoneOffset.UTC);
    if ("open".equals(state)) {
      return pool.preparedQuery("UPDATE devops_tasks SET pr_checked_at = $2 WHERE id = $1").execute(Tuple.of(id, now))
          .mapEmpty();
    }
    return pool.preparedQuery("UPDATE devops_tasks SET pr_state = $2, pr_merged_at = $3, pr_checked_at = $4, "
        + "status = 'done', finished_at = $4, updated_at = $4 WHERE id = $1")
        .execute(Tuple.of(id, state, merged, now)).mapEmpty();
  }

  /** Count, affected users and first/last seen of a fingerprint over the last 7 days (the offline analysis's facts). */
  Future<JsonObject> errorFacts(String fingerprint, String errorType) {
    String where = fingerprint != null ? "fingerprint = $1" : "error_type = $1";
    return pool.preparedQuery("SELECT count(*), count(DISTINCT user_id), min(occurred_at), max(occurred_at) "
        + "FROM support_error_log WHERE " + where + " AND created_at > $2")
        .execute(Tuple.of(fingerprint != null ? fingerprint : errorType, now().minusDays(7)))
        .map(rows -> {
          Row r = rows.iterator().next();
          JsonObject out = new JsonObject().put("count", r.getLong(0)).put("affected_users", r.getLong(1));
          if (r.getValue(2) != null) {
            out.put("first_seen", r.getOffsetDateTime(2).toInstant().toString())
                .put("last_seen", r.getOffsetDateTime(3).toInstant().toString());
          }
          return out;
        });
  }

  /** Stores an admin notification and returns its id. */
  Future<Long> notification(String kind, String title, JsonObject details) {
    return pool.preparedQuery("INSERT INTO admin_notifications (kind, title, details, created_at) "
        + "VALUES ($1, $2, $3, $4) RETURNING id").execute(Tuple.of(kind, title, details, now()))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  private static final String COLUMNS = "id, type, status, error_type, dedupe_key, outcome, attempts, pr_number, "
      + "pr_url, pr_branch, pr_state, created_at, started_at, finished_at, pr_created_at, pr_merged_at, "
      + "CASE WHEN jsonb_typeof(analysis->'confidence') = 'number' THEN (analysis->>'confidence')::float8 END AS confidence";

  /** One task with its details and analysis (for admins). */
  Future<Optional<JsonObject>> get(String id) {
    return pool.preparedQuery("SELECT " + COLUMNS + ", details, analysis FROM devops_tasks WHERE id = $1")
        .execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? Optional.<JsonObject>empty()
            : Optional.of(json(rows.iterator().next())));
  }

  /** Tasks newest first, optionally of one status (for admins). */
  Future<JsonArray> list(String status, int limit) {
    String sql = "SELECT " + COLUMNS + " FROM devops_tasks" + (status == null ? "" : " WHERE status = $2")
        + " ORDER BY created_at DESC, id LIMIT $1";
    return pool.preparedQuery(sql).execute(status == null ? Tuple.of(limit) : Tuple.of(limit, status)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(json(r)));
      return out;
    });
  }

  private static JsonObject json(Row r) {
    JsonObject o = new JsonObject();
    for (int i = 0; i < r.size(); i++) {
      Object v = r.getValue(i);
      if (v instanceof OffsetDateTime) {
        v = ((OffsetDateTime) v).toInstant().toString();
      }
      o.put(r.getColumnName(i), v);
    }
    return o;
  }
}
