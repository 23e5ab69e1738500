package io.supportpilot.proactive;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proactive scans on a timer (and on request): token expiry, then usage anomalies, then the e-mails they
 * queued. A scan holds a Postgres advisory lock on its own session, so across instances exactly one runs at a time;
 * an instance that dies mid-scan releases the lock with its session, and the next scan finishes the work, because
 * every warning is keyed in the database and committed with its conversation, message and e-mail.
 */
final class ProactiveScheduler extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ProactiveScheduler.class);
  /** Event-bus address that runs a scan now; the body is the maximum number of batches (or null); replies the result. */
  static final String RUN_NOW = "supportpilot.proactive.scan";
  /** The advisory lock key of the proactive scans ("spproact" in ASCII). */
  static final long LOCK_KEY = 0x7370_7072_6f61_6374L;

  private final Pool pool;
  private final Clock clock;
  private final ProactiveConfig cfg;
  private final TokenExpiryScan tokens;
  private final ActivityDropScan drops;
  private final ProactiveMailer mailer;
  private final UsageRollup rollup;
  private final String instance;
  private long timer = -1;
  private Future<JsonObject> running;

  ProactiveScheduler(Pool pool, Clock clock, ProactiveConfig cfg, ProactiveMailer mailer, UsageRollup rollup,
      String instance) {
    this.pool = pool;
    this.clock = clock;
    this.cfg = cfg;
    this.tokens = new TokenExpiryScan(cfg);
    this.drops = new ActivityDropScan(cfg);
    this.mailer = mailer;
    this.rollup = rollup;
    this.instance = instance;
  }

  @Override
  public Future<?> start() {
    if (cfg.enabled()) {
      timer = vertx.setPeriodic(cfg.scanInterval().toMillis(), id -> run(Integer.MAX_VALUE)
          .onFailure(e -> LOG.warn("proactive scan failed: {}", e.toString())));
    }
    vertx.eventBus().<Integer>consumer(RUN_NOW, m -> run(m.body() == null ? Integer.MAX_VALUE : m.body())
        .onComplete(ar -> {
          if (ar.succeeded()) {
            m.reply(ar.result());
          } else {
            m.fail(500, String.valueOf(ar.cause().getMessage()));
          }
        }));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return running == null ? Future.succeededFuture() : running.transform(ar -> Future.succeededFuture());
  }

  /** One scan unless one is already running here (then that one's result). */
  Future<JsonObject> run(int maxBatches) {
    if (running != null) {
      return running;
    }
    running = pool.getConnection().compose(conn -> locked(conn, maxBatches)
        .eventually(() -> conn.close()))
        .onComplete(ar -> running = null);
    return running;
  }

  private Future<JsonObject> locked(SqlConnection conn, int maxBatches) {
    return conn.preparedQuery("SELECT pg_try_advisory_lock($1)").execute(Tuple.of(LOCK_KEY)).compose(rows -> {
      if (!rows.iterator().next().getBoolean(0)) {
        return Future.succeededFuture(new JsonObject().put("skipped", true).put("instance", instance)
            .put("detail", "another instance holds the proactive scan lock"));
      }
      OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
      JsonObject result = new JsonObject().put("skipped", false).put("instance", instance)
          .put("started_at", now.toInstant().toString());
      long t0 = System.nanoTime();
      return record(conn, "proactive", now, null)
          .compose(v -> tokens.run(conn, now, maxBatches))
          .compose(t -> {
            result.put("token_expiry", t);
            // The activity-drop rule reads the rollups: first add every call acknowledged so far.
            return rollup.drain();
          })
          .compose(rolled -> {
            result.put("usage_calls_rolled_up", rolled);
            return drops.run(conn, now, maxBatches);
          })
          .compose(d -> {
            result.put("activity_drop", d);
            return mailer.sendPending(500);
          })
          .compose(sent -> {
            result.put("emails_sent", sent).put("duration_ms", (System.nanoTime() - t0) / 1_000_000);
            return record(conn, "proactive", now, result.put("finished_at", clock.instant().toString()));
          })
          .map(v -> result)
          .eventually(() -> conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(LOCK_KEY)));
    });
  }

  private Future<Void> record(SqlConnection conn, String scan, OffsetDateTime now, JsonObject result) {
    return conn.preparedQuery("INSERT INTO proactive_scans (scan, instance, started_at, finished_at, result) "
            + "VALUES ($1, $2, $3, $4, COALESCE($5::jsonb, '{}'::jsonb)) ON CONFLICT (scan) DO UPDATE SET instance = $2, started_at = $3, "
            + "finished_at = $4, result = COALESCE($5::jsonb, proactive_scans.result)")
        .execute(Tuple.of(scan, instance, now, result == null ? null
            : OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC), result))
        .mapEmpty();
  }
}
