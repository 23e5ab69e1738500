package io.supportpilot.proactive;

import io.supportpilot.store.ErrorEventWriter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls the acknowledged usage calls up, off the webhook's path: each statement deletes up to {@code usage.rollup-batch}
 * rows of {@code usage_pending} (each the newly inserted calls of one write batch, as arrays) and adds their calls to
 * the hourly and daily rollups and the per-user activity. Delete and rollup commit together, so a call is rolled up
 * exactly once; rows another instance is rolling up are skipped ({@code SKIP LOCKED}), and a statement that fails or
 * whose instance dies leaves its rows pending for the next run. Runs every {@code usage.rollup-interval}, and on
 * {@link #drain()} (the scans drain first, so they see every acknowledged call).
 */
final class UsageRollup extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(UsageRollup.class);
  /** Event-bus address (local to this JVM) that drains the pending calls now; replies the number rolled up. */
  static final String DRAIN = "supportpilot.usage.rollup";

  static final String SQL = "WITH p AS (DELETE FROM usage_pending WHERE ctid = ANY(ARRAY(SELECT ctid FROM "
      + "usage_pending LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING n, user_ids, tools, at, ok, duration_ms), "
      + "c AS (SELECT u.* FROM p CROSS JOIN LATERAL unnest(p.user_ids, p.tools, p.at, p.ok, p.duration_ms) "
      + "AS u(user_id, tool, created_at, ok, duration_ms)), "
      + "h AS (INSERT INTO api_usage_hourly AS t (user_id, tool, hour, calls, errors, duration_ms) "
      + "SELECT user_id, tool, date_trunc('hour', created_at, 'UTC'), count(*), count(*) FILTER (WHERE NOT ok), "
      + "sum(duration_ms) FROM c GROUP BY 1, 3, 2 ORDER BY 1, 3, 2 "
      + "ON CONFLICT (user_id, hour, tool) DO UPDATE SET calls = t.calls + EXCLUDED.calls, "
      + "errors = t.errors + EXCLUDED.errors, duration_ms = t.duration_ms + EXCLUDED.duration_ms), "
      + "d AS (INSERT INTO api_usage_daily AS t (user_id, tool, day, calls, errors, duration_ms) "
      + "SELECT user_id, tool, (created_at AT TIME ZONE $1)::date, count(*), count(*) FILTER (WHERE NOT ok), "
      + "sum(duration_ms) FROM c GROUP BY 1, 3, 2 ORDER BY 1, 3, 2 "
      + "ON CONFLICT (user_id, day, tool) DO UPDATE SET calls = t.calls + EXCLUDED.calls, "
      + "errors = t.errors + EXCLUDED.errors, duration_ms = t.duration_ms + EXCLUDED.duration_ms), "
      + "a AS (INSERT INTO usage_activity AS t (user_id, first_at, last_at) SELECT user_id, min(created_at), "
      + "max(created_at) FROM c GROUP BY 1 ORDER BY 1 ON CONFLICT (user_id) DO UPDATE SET "
      + "first_at = LEAST(t.first_at, EXCLUDED.first_at), last_at = GREATEST(t.last_at, EXCLUDED.last_at) "
      + "WHERE EXCLUDED.first_at < t.first_at OR EXCLUDED.last_at > t.last_at) "
      // The statement's snapshot still sees the rows it deletes: the backlog left is the sum less those.
      + "SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM c), "
      + "(SELECT coalesce(sum(n), 0) FROM usage_pending) - (SELECT coalesce(sum(n), 0) FROM p)";

  private final Pool pool;
  private final String zone;
  private final int batchRows;
  private final Duration interval;
  private long timer = -1;
  private Future<Long> running;
  private Future<Long> queued;
  private final AtomicLong backlog = new AtomicLong();

  UsageRollup(Pool pool, ProactiveConfig cfg) {
    this.pool = pool;
    this.zone = cfg.zone().getId();
    this.batchRows = cfg.usageRollupBatch();
    this.interval = cfg.usageRollupInterval();
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> {
      if (running == null) {
        begin().onFailure(e -> LOG.warn("usage rollup failed (the calls stay pending): {}", e.toString()));
      }
    });
    return vertx.eventBus().<Object>localConsumer(DRAIN, m -> drainHere().onComplete(ar -> {
      if (ar.succeeded()) {
        m.reply(ar.result());
      } else {
        m.fail(500, String.valueOf(ar.cause().getMessage()));
      }
    })).completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return running == null ? Future.succeededFuture() : running.transform(ar -> Future.succeededFuture());
  }

  /** Calls acknowledged and not yet rolled up, as of the last rollup statement on this instance (any instance's calls). */
  long backlog() {
    return backlog.get();
  }

  /**
   * Rolls up everything pending now (rows another instance holds are left to it); completes with the number of calls
   * rolled up. Called while a run is going, it waits for that run and then starts one more (shared by every caller
   * that waited), so what was pending when it was called is rolled up when it completes. Safe from any thread.
   */
  Future<Long> drain() {
    Promise<Long> done = Promise.promise();
    context.runOnContext(v -> drainHere().onComplete(done));
    return done.future();
  }

  private Future<Long> drainHere() {
    if (running == null) {
      return begin();
    }
    if (queued == null) {
      queued = running.transform(ar -> {
        queued = null;
        return begin();
      });
    }
    return queued;
  }

  private Future<Long> begin() {
    Future<Long> f = step(0, 0L);
    running = f;
    f.onComplete(ar -> {
      if (running == f) {
        running = null;
      }
    });
    return f;
  }

  private Future<Long> step(int attempt, long done) {
    return pool.preparedQuery(SQL).execute(Tuple.of(zone, batchRows)).compose(rows -> {
      Row r = rows.iterator().next();
      backlog.set(r.getLong(2));
      long calls = done + r.getLong(1);
      return r.getLong(0) < batchRows ? Future.succeededFuture(calls) : step(0, calls);
    }, e -> {
      // Statements on two instances lock rollup rows in key order, but a deadlock stays possible: run it again.
      return ErrorEventWriter.isConflictRetry(e) && attempt < 5 ? step(attempt + 1, done) : Future.failedFuture(e);
    });
  }
}
