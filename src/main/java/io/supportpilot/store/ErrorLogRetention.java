package io.supportpilot.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of {@code support_error_log}: every {@code interval}, deletes rows older than {@code days} in
 * batches of {@code batchSize} (one short statement each, a short pause in between) so ingestion never waits
 * behind a long delete. The oldest rows are found through the primary key (ids grow with time; created_at has
 * only a BRIN index), so each statement stops after its batch instead of sorting every old row.
 */
public final class ErrorLogRetention extends VerticleBase {

  /** Rows deleted by retention (a Counter). */
  public static final String METER_DELETED = "supportpilot.ingest.retention.deleted";

  static final String DELETE = "DELETE FROM support_error_log WHERE id IN (SELECT id FROM support_error_log"
      + " WHERE created_at < now() - make_interval(days => $1) ORDER BY id LIMIT $2)";

  private static final Logger LOG = LoggerFactory.getLogger(ErrorLogRetention.class);
  private static final long PAUSE_MS = 20;

  private final Pool pool;
  private final int days;
  private final int batchSize;
  private final Duration interval;
  private final Counter deleted;
  private long timer = -1;
  private boolean stopped;

  /** Retention on the shared pool. */
  public ErrorLogRetention(Pool pool, int days, int batchSize, Duration interval, MeterRegistry registry) {
    this.pool = pool;
    this.days = days;
    this.batchSize = batchSize;
    this.interval = interval;
    this.deleted = Counter.builder(METER_DELETED).description("error log rows removed by retention")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    schedule(Math.min(interval.toMillis(), 5_000));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  private void schedule(long delayMs) {
    if (!stopped) {
      timer = vertx.setTimer(Math.max(1, delayMs), t -> {
        timer = -1;
        run(0);
      });
    }
  }

  /** Deletes one batch and continues until a batch comes back short. */
  private void run(long total) {
    if (stopped) {
      return;
    }
    pool.preparedQuery(DELETE).execute(Tuple.of(days, batchSize)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("error log retention failed: {}", ar.cause().getMessage());
        schedule(interval.toMillis());
        return;
      }
      int n = ar.result().rowCount();
      deleted.increment(n);
      if (n >= batchSize) {
        if (!stopped) {
          timer = vertx.setTimer(PAUSE_MS, t -> {
            timer = -1;
            run(total + n);
          });
        }
      } else {
        if (total + n > 0) {
          LOG.info("error log retention removed {} rows older than {} days", total + n, days);
        }
        schedule(interval.toMillis());
      }
    });
  }
}
