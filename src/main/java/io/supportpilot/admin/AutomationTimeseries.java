package io.supportpilot.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's charts from the rollups: errors per minute, triage routes per hour, and the hourly median first
 * response (the upper bound of the histogram bucket holding the median, so an estimate within one bucket).
 */
final class AutomationTimeseries {

  /** Upper bounds (ms) of the first-response histogram buckets the trigger fills ({@code frt_le_<ms>}). */
  static final long[] FRT_BOUNDS = {1_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
      3_600_000, 14_400_000, 86_400_000, Long.MAX_VALUE};

  static final String[] HOURLY_METRICS = hourlyMetrics();

  private final Pool pool;
  private final Clock clock;

  AutomationTimeseries(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  Future<JsonObject> compute(int hours) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    OffsetDateTime fromMinute = now.truncatedTo(ChronoUnit.MINUTES).minusMinutes(hours * 60L - 1);
    OffsetDateTime fromHour = now.truncatedTo(ChronoUnit.HOURS).minusHours(hours - 1L);
    // Counters are sharded per connection (V180): a bucket's value is the sum of its shards.
    Future<RowSet<Row>> errors = pool.preparedQuery("SELECT bucket, sum(value)::bigint FROM desk_rollup "
            + "WHERE metric = 'errors' AND bucket >= $1 AND bucket <= $2 GROUP BY bucket")
        .execute(Tuple.of(fromMinute, now));
    Future<RowSet<Row>> hourly = pool.preparedQuery("SELECT metric, bucket, sum(value)::bigint FROM desk_rollup_hour "
            + "WHERE metric = ANY($3) AND bucket >= $1 AND bucket <= $2 GROUP BY metric, bucket")
        .execute(Tuple.of(fromHour, now, HOURLY_METRICS));
    return Future.all(errors, hourly).map(x -> {
      Map<OffsetDateTime, Long> perMinute = new HashMap<>();
      errors.result().forEach(r -> perMinute.put(r.getOffsetDateTime(0).withOffsetSameInstant(ZoneOffset.UTC),
          r.getLong(1)));
      JsonArray epm = new JsonArray();
      for (OffsetDateTime t = fromMinute; !t.isAfter(now); t = t.plusMinutes(1)) {
        epm.add(new JsonObject().put("t", t.toInstant().toString()).put("count", perMinute.getOrDefault(t, 0L)));
      }
      Map<OffsetDateTime, Map<String, Long>> perHour = new HashMap<>();
      hourly.result().forEach(r -> perHour.computeIfAbsent(r.getOffsetDateTime(1).withOffsetSameInstant(
          ZoneOffset.UTC), k -> new HashMap<>()).put(r.getString(0), r.getLong(2)));
      JsonArray routes = new JsonArray();
      JsonArray frt = new JsonArray();
      for (OffsetDateTime t = fromHour; !t.isAfter(now); t = t.plusHours(1)) {
        Map<String, Long> m = perHour.getOrDefault(t, Map.of());
        routes.add(new JsonObject().put("t", t.toInstant().toString())
            .put("auto_respond", m.getOrDefault("route_auto_respond", 0L))
            .put("suggest_articles", m.getOrDefault("route_suggest_articles", 0L))
            .put("escalate", m.getOrDefault("route_escalate", 0L)));
        frt.add(new JsonObject().put("t", t.toInstant().toString()).put("p50", median(m)));
      }
      return new JsonObject().put("errors_per_minute", epm).put("conversations_by_route", routes)
          .put("first_response_ms", frt);
    });
  }

  /** The bucket bound holding the median, or null without first responses in the hour. */
  static Long median(Map<String, Long> m) {
    long total = 0;
    for (long b : FRT_BOUNDS) {
      total += m.getOrDefault(label(b), 0L);
    }
    if (total == 0) {
      return null;
    }
    long seen = 0;
    for (long b : FRT_BOUNDS) {
      seen += m.getOrDefault(label(b), 0L);
      if (seen * 2 >= total) {
        return b == Long.MAX_VALUE ? null : b;
      }
    }
    return null;
  }

  private static String[] hourlyMetrics() {
    List<String> names = new ArrayList<>(List.of("route_auto_respond",
        "route_suggest_articles", "route_escalate"));
    for (long b : FRT_BOUNDS) {
      names.add(label(b));
    }
    return names.toArray(new String[0]);
  }

  static String label(long bound) {
    return bound == Long.MAX_VALUE ? "frt_le_inf" : "frt_le_" + bound;
  }
}
