package io.supportpilot.admin;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan's AutomationMetrics (section 6.1) and its success-metrics table, over the last 24 hours. Every figure
 * comes from recorded facts: the per-minute {@code desk_rollup} counters the database triggers keep on state
 * transitions (whole hours from {@code desk_rollup_hour}), the small pattern and spike tables. A field whose
 * capability does not exist yet is 0 and named in {@code not_yet_measured}.
 */
final class AutomationMetrics {

  static final Duration WINDOW = Duration.ofHours(24);
  /** Fields no capability records yet: reported as 0 (or empty), never estimated. */
  static final List<String> NOT_YET_MEASURED = List.of(
      "patterns.avg_effectiveness", "patterns.top_performing", "patterns.needs_attention",
      "suggestions.pending_patterns", "suggestions.pending_articles", "suggestions.auto_approved_7d",
      "proactive.token_warnings_sent", "proactive.issues_prevented");
  static final String[] ROLLUPS = {"auto_resolved", "human_resolved", "pending", "agent_calls", "agent_ok",
      "agent_latency_ms", "first_response", "first_response_ms", "admin_time_ms", "admin_time_tickets", "rating_sum",
      "rating_count"};

  private final Pool pool;
  private final Clock clock;

  AutomationMetrics(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  Future<JsonObject> compute() {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    // Buckets are minutes: the window is the last 24 h to the minute (the current minute included).
    OffsetDateTime from = now.truncatedTo(ChronoUnit.MINUTES).minus(WINDOW);
    // Whole hours from the hourly table, the partial hours at both edges from the minute table.
    OffsetDateTime firstHour = from.truncatedTo(ChronoUnit.HOURS).plusHours(1);
    OffsetDateTime lastHour = now.truncatedTo(ChronoUnit.HOURS);
    Future<RowSet<Row>> sums = pool.preparedQuery("SELECT metric, sum(v)::bigint FROM ("
            + "SELECT metric, value AS v FROM desk_rollup_hour WHERE metric = ANY($1) AND bucket >= $4 AND bucket < $5 "
            + "UNION ALL SELECT metric, value FROM desk_rollup WHERE metric = ANY($1) AND bucket > $2 AND bucket < $4 "
            + "UNION ALL SELECT metric, value FROM desk_rollup WHERE metric = ANY($1) AND bucket >= $5 AND bucket <= $3"
            + ") x GROUP BY metric")
        .execute(Tuple.of(ROLLUPS, from, now, firstHour, lastHour));
    Future<RowSet<Row>> patterns = pool.query("SELECT count(*), count(*) FILTER (WHERE active) FROM support_patterns")
        .execute();
    Future<RowSet<Row>> spikes = pool.preparedQuery("SELECT count(*) FROM spikes WHERE started_at > $1")
        .execute(Tuple.of(now.minus(WINDOW)));
    // DevOps agent: runs started, draft PRs opened and PRs merged in the window (devops_runs, devops_tasks).
    Future<RowSet<Row>> devops = pool.preparedQuery("SELECT (SELECT count(*) FROM devops_runs WHERE started_at > $1), "
            + "(SELECT count(*) FROM devops_tasks WHERE pr_created_at > $1), "
            + "(SELECT count(*) FROM devops_tasks WHERE pr_merged_at > $1)")
        .execute(Tuple.of(now.minus(WINDOW)));
    return Future.all(sums, patterns, spikes, devops).map(all -> {
      Map<String, Long> s = new HashMap<>();
      sums.result().forEach(r -> s.put(r.getString(0), r.getLong(1)));
      Row p = patterns.result().iterator().next();
      long totalPatterns = p.getLong(0);
      long activePatterns = p.getLong(1);
      long spikesDetected = spikes.result().iterator().next().getLong(0);
      Row d = devops.result().iterator().next();
      JsonObject out = build(s, totalPatterns, activePatterns, spikesDetected, from, now);
      out.put("devops_agent", new JsonObject().put("invocations_24h", d.getLong(0)).put("prs_created", d.getLong(1))
          .put("prs_merged", d.getLong(2)));
      return out;
    });
  }

  static JsonObject build(Map<String, Long> s, long totalPatterns, long activePatterns, long spikesDetected,
      OffsetDateTime from, OffsetDateTime now) {
    long auto = s.getOrDefault("auto_resolved", 0L);
    long human = s.getOrDefault("human_resolved", 0L);
    double rate = ratio(auto, auto + human);
    long calls = s.getOrDefault("agent_calls", 0L);
    long firstResponses = s.getOrDefault("first_response", 0L);
    long adminTickets = s.getOrDefault("admin_time_tickets", 0L);
    long ratings = s.getOrDefault("rating_count", 0L);
    double avgFirstResponse = ratio(s.getOrDefault("first_response_ms", 0L), firstResponses);
    double adminTime = ratio(s.getOrDefault("admin_time_ms", 0L), adminTickets);
    double satisfaction = ratio(s.getOrDefault("rating_sum", 0L), ratings);
    JsonArray success = new JsonArray()
        .add(success("auto_resolution_rate", rate, 0.8, "ratio", true, auto + human))
        .add(success("avg_first_response_time", avgFirstResponse, 300_000, "ms", false, firstResponses))
        .add(success("admin_time_per_ticket", adminTime, 120_000, "ms", false, adminTickets))
        .add(success("pattern_coverage", activePatterns, 50, "patterns", true, activePatterns))
        .add(success("proactive_issues_caught", 0, 0.3, "ratio", true, 0).put("measured", false))
        .add(success("customer_satisfaction", satisfaction, 4.5, "rating_1_to_5", true, ratings));
    return new JsonObject()
        .put("auto_resolved_24h", auto)
        .put("human_resolved_24h", human)
        .put("pending_24h", Math.max(0, s.getOrDefault("pending", 0L)))
        .put("auto_resolution_rate", rate)
        .put("support_agent", new JsonObject().put("invocations_24h", calls)
            .put("avg_response_time_ms", ratio(s.getOrDefault("agent_latency_ms", 0L), calls))
            .put("success_rate", ratio(s.getOrDefault("agent_ok", 0L), calls)))
        .put("devops_agent", new JsonObject().put("invocations_24h", 0).put("prs_created", 0).put("prs_merged", 0))
        .put("patterns", new JsonObject().put("total", totalPatterns).put("active", activePatterns)
            .put("avg_effectiveness", 0).put("top_performing", new JsonArray()).put("needs_attention", new JsonArray()))
        .put("suggestions", new JsonObject().put("pending_patterns", 0).put("pending_articles", 0)
            .put("auto_approved_7d", 0))
        .put("proactive", new JsonObject().put("token_warnings_sent", 0).put("error_spikes_detected", spikesDetected)
            .put("issues_prevented", 0))
        .put("not_yet_measured", new JsonArray(NOT_YET_MEASURED))
        .put("window", new JsonObject().put("from", from.toInstant().toString()).put("to", now.toInstant().toString()))
        .put("success_metrics", success);
  }

  private static JsonObject success(String metric, double current, double target, String unit, boolean higherIsBetter,
      long samples) {
    Boolean met = samples == 0 ? null : higherIsBetter ? current >= target : current < target;
    return new JsonObject().put("metric", metric).put("current", current).put("target", target).put("unit", unit)
        .put("comparison", higherIsBetter ? ">=" : "<").put("samples", samples).put("met", met).put("measured", true);
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0.0 : Math.round(a * 10_000.0 / b) / 10_000.0;
  }
}
