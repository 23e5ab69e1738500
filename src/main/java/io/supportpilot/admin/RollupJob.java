package io.supportpilot.admin;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls ingested errors up into per-minute counts ({@code desk_rollup} metric {@code errors}) for the dashboard,
 * from a watermark in {@code app_settings}, one closed minute range at a time (a minute is closed one minute after
 * it ends, so rows committed late still count), and deletes minute rollups older than 35 days, hourly ones older
 * than 400. Several instances take turns through the watermark's row lock. Keeping this off the ingestion path
 * keeps writes there untouched.
 */
final class RollupJob extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RollupJob.class);
  static final String WATERMARK = "desk_error_rollup_until";
  static final Duration RETENTION = Duration.ofDays(35);
  static final Duration HOURLY_RETENTION = Duration.ofDays(400);

  private final Pool pool;
  private final Duration interval;
  private long timer;
  private long runs;

  RollupJob(Pool pool, Duration interval) {
    this.pool = pool;
    this.interval = interval;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> run()
        .onFailure(e -> LOG.warn("error rollup failed: {}", e.toString())));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Rolls up the closed minutes since the watermark (at most six hours per run, starting at most 48 h back). */
  Future<Void> run() {
    boolean prune = runs++ % 60 == 0;
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT GREATEST(value::timestamptz, "
            + "date_trunc('minute', now()) - interval '48 hours') AS since, LEAST(GREATEST(value::timestamptz, "
            + "date_trunc('minute', now()) - interval '48 hours') + interval '6 hours', "
            + "date_trunc('minute', now()) - interval '1 minute') AS until FROM app_settings WHERE key = $1 FOR UPDATE")
        .execute(Tuple.of(WATERMARK))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture();
          }
          var r = rows.iterator().next();
          var since = r.getOffsetDateTime("since");
          var until = r.getOffsetDateTime("until");
          if (!until.isAfter(since)) {
            return Future.succeededFuture();
          }
          return tx.preparedQuery("INSERT INTO desk_rollup (metric, bucket, value) SELECT 'errors', "
                  + "date_trunc('minute', created_at), count(*) FROM support_error_log WHERE created_at >= $1 "
                  + "AND created_at < $2 GROUP BY 2 ON CONFLICT (metric, bucket, shard) DO UPDATE "
                  + "SET value = desk_rollup.value + EXCLUDED.value")
              .execute(Tuple.of(since, until))
              .compose(x -> tx.preparedQuery("UPDATE app_settings SET value = $2, updated_at = now() WHERE key = $1")
                  .execute(Tuple.of(WATERMARK, until.toInstant().toString())))
              .mapEmpty();
        })
        .compose(x -> prune ? tx.preparedQuery("DELETE FROM desk_rollup WHERE bucket < now() - "
                + "make_interval(days => $1)")
            .execute(Tuple.of((int) RETENTION.toDays()))
            .compose(y -> tx.preparedQuery("DELETE FROM desk_rollup_hour WHERE bucket < now() - "
                + "make_interval(days => $1)").execute(Tuple.of((int) HOURLY_RETENTION.toDays())))
            .mapEmpty() : Future.succeededFuture()))
        .mapEmpty();
  }
}
