package io.supportpilot.proactive;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes raw usage calls older than {@code usage.retention} (their call ids stop deduplicating then, which is why
 * older calls are refused at the door) and hourly rollups older than {@code usage.hourly-retention}, in small batches.
 */
final class UsageRetention extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(UsageRetention.class);
  private static final int BATCH = 10_000;

  private final Pool pool;
  private final Clock clock;
  private final Duration retention;
  private final Duration hourlyRetention;
  private final Duration interval;
  private long timer;
  private boolean running;

  UsageRetention(Pool pool, Clock clock, Duration retention, Duration hourlyRetention, Duration interval) {
    this.pool = pool;
    this.clock = clock;
    this.retention = retention;
    this.hourlyRetention = hourlyRetention;
    this.interval = interval;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> {
      if (!running) {
        running = true;
        run().onComplete(ar -> {
          running = false;
          if (ar.failed()) {
            LOG.warn("usage retention failed: {}", ar.cause().toString());
          }
        });
      }
    });
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** One pass: completes with the raw calls deleted. */
  Future<Long> run() {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    return delete("DELETE FROM api_usage WHERE ctid = ANY(ARRAY(SELECT ctid FROM api_usage WHERE created_at < $1 "
        + "LIMIT " + BATCH + "))", now.minus(retention), 0)
        .compose(n -> delete("DELETE FROM api_usage_hourly WHERE ctid = ANY(ARRAY(SELECT ctid FROM api_usage_hourly "
            + "WHERE hour < $1 LIMIT " + BATCH + "))", now.minus(hourlyRetention), 0).map(n));
  }

  private Future<Long> delete(String sql, OffsetDateTime before, long done) {
    return pool.preparedQuery(sql).execute(Tuple.of(before)).compose(r -> r.rowCount() < BATCH
        ? Future.succeededFuture(done + r.rowCount()) : delete(sql, before, done + r.rowCount()));
  }
}
