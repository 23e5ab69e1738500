package io.supportpilot.proactive;

import io.supportpilot.store.ErrorEventWriter;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of usage calls, one instance per HTTP event loop: calls queue up and go to Postgres in one statement
 * per batch that inserts the raw calls ({@code ON CONFLICT (call_id) DO NOTHING}) and appends exactly the inserted ones,
 * as one row of arrays, to {@code usage_pending}, from which {@link UsageRollup} adds them to the rollups; so a retried
 * batch never counts twice. A request is answered once every one of its calls is committed.
 */
final class UsageWriter {

  private static final Logger LOG = LoggerFactory.getLogger(UsageWriter.class);

  static final String SQL = "WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
      + "$5::text[], $6::int[], $7::int[], $8::bigint[], $9::bool[]) AS v(call_id, user_id, connection_id, tool, status, "
      + "status_code, duration_ms, at_ms, ok)), "
      + "ins AS (INSERT INTO api_usage (call_id, user_id, connection_id, tool, status, status_code, duration_ms, "
      + "created_at, ok) SELECT call_id, user_id, connection_id, tool, status, status_code, duration_ms, "
      + "to_timestamp(at_ms / 1000.0), ok FROM v ON CONFLICT (call_id) DO NOTHING "
      + "RETURNING call_id, user_id, tool, created_at, duration_ms, ok), "
      + "p AS (INSERT INTO usage_pending (n, user_ids, tools, at, ok, duration_ms) SELECT count(*), array_agg(user_id), "
      + "array_agg(tool), array_agg(created_at), array_agg(ok), array_agg(COALESCE(duration_ms, 0)) FROM ins "
      + "HAVING count(*) > 0) "
      + "SELECT call_id FROM ins";

  /** Accepted (newly counted) and duplicate calls of one request. */
  record Counts(int accepted, int duplicates) {
  }

  private final Vertx vertx;
  private final Pool pool;
  private final UsageRollup rollup;
  private final long maxPending;
  private final int batchSize;
  private final long delayMs;
  private final int concurrency;
  private final int maxInFlight;
  private final int retryAfter;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private int statements;
  private long timer = -1;

  UsageWriter(Vertx vertx, Pool pool, ProactiveConfig cfg, UsageRollup rollup) {
    this.vertx = vertx;
    this.pool = pool;
    this.rollup = rollup;
    this.maxPending = cfg.usageMaxPendingCalls();
    this.batchSize = cfg.usageWriteBatchSize();
    this.delayMs = Math.max(1, cfg.usageWriteBatchDelay().toMillis());
    this.concurrency = cfg.usageWriterConcurrency();
    this.maxInFlight = cfg.usageMaxInFlight();
    this.retryAfter = 1;
  }

  /**
   * Writes the calls; completes once all are committed, or fails (429 when too much is in flight or the rollups are
   * too far behind, 503 store down).
   */
  Future<Counts> submit(List<UsageCall> calls) {
    if (rollup.backlog() > maxPending) {
      return Future.failedFuture(HttpFailure.overloaded("usage rollups are behind (" + rollup.backlog()
          + " calls pending); retry shortly", retryAfter));
    }
    if (inFlight + calls.size() > maxInFlight && inFlight > 0) {
      return Future.failedFuture(HttpFailure.overloaded("too many usage calls are being written; retry shortly",
          retryAfter));
    }
    Request r = new Request(calls.size());
    for (UsageCall c : calls) {
      queue.add(new Pending(c, r));
    }
    inFlight += calls.size();
    drain();
    return r.promise.future();
  }

  private void drain() {
    while (statements < concurrency && queue.size() >= batchSize) {
      flush();
    }
    if (!queue.isEmpty() && statements < concurrency && timer < 0) {
      timer = vertx.setTimer(delayMs, id -> {
        timer = -1;
        while (!queue.isEmpty() && statements < concurrency) {
          flush();
        }
      });
    }
  }

  private void flush() {
    int n = Math.min(batchSize, queue.size());
    Pending[] batch = new Pending[n];
    String[] ids = new String[n];
    String[] users = new String[n];
    String[] conns = new String[n];
    String[] tools = new String[n];
    String[] statuses = new String[n];
    Integer[] codes = new Integer[n];
    Integer[] durations = new Integer[n];
    Long[] at = new Long[n];
    Boolean[] ok = new Boolean[n];
    for (int i = 0; i < n; i++) {
      Pending p = queue.poll();
      batch[i] = p;
      UsageCall c = p.call;
      ids[i] = c.callId();
      users[i] = c.userId();
      conns[i] = c.connectionId();
      tools[i] = c.tool();
      statuses[i] = c.status();
      codes[i] = c.statusCode();
      durations[i] = c.durationMs();
      at[i] = c.atMillis();
      ok[i] = c.ok();
    }
    statements++;
    Tuple args = Tuple.from(new Object[] {ids, users, conns, tools, statuses, codes, durations, at, ok});
    execute(args, 0).onComplete(ar -> {
      statements--;
      inFlight -= n;
      if (ar.succeeded()) {
        Set<String> inserted = ar.result();
        for (Pending p : batch) {
          p.request.done(inserted.remove(p.call.callId()));
        }
      } else {
        Throwable cause = ar.cause() instanceof HttpFailure ? ar.cause()
            : HttpFailure.unavailable("the usage store did not take the calls; nothing was acknowledged, retry the "
                + "batch (it is idempotent on call_id)", retryAfter);
        LOG.warn("usage batch of {} calls failed: {}", n, ar.cause().toString());
        for (Pending p : batch) {
          p.request.fail(cause);
        }
      }
      drain();
    });
  }

  private Future<Set<String>> execute(Tuple args, int attempt) {
    return pool.preparedQuery(SQL).execute(args)
        .map(rows -> {
          Set<String> ids = new HashSet<>(rows.size() * 2);
          for (Row r : rows) {
            ids.add(r.getString(0));
          }
          return ids;
        })
        .recover(e -> {
          // Two batches sharing call_ids in a different order can deadlock on their keys: the batch is retried.
          return ErrorEventWriter.isConflictRetry(e) && attempt < 5 ? execute(args, attempt + 1) : Future.failedFuture(e);
        });
  }

  private static final class Pending {
    final UsageCall call;
    final Request request;

    Pending(UsageCall call, Request request) {
      this.call = call;
      this.request = request;
    }
  }

  private static final class Request {
    final Promise<Counts> promise = Promise.promise();
    int remaining;
    int accepted;
    int duplicates;
    boolean failed;

    Request(int n) {
      this.remaining = n;
    }

    void done(boolean inserted) {
      if (inserted) {
        accepted++;
      } else {
        duplicates++;
      }
      if (--remaining == 0 && !failed) {
        promise.complete(new Counts(accepted, duplicates));
      }
    }

    void fail(Throwable t) {
      remaining--;
      if (!failed) {
        failed = true;
        promise.fail(t);
      }
    }
  }
}
