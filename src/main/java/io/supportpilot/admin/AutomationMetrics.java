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
import java.util.ArrayList;
import java.util.Comparator;
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
  static final List<String> NOT_YET_MEASURED = List.of();
  /** Triggers a pattern needs before its effectiveness is ranked (top performing or needing attention). */
  static final int RANKED_AFTER_TRIGGERS = 10;
  /** Below this effectiveness a ranked active pattern needs attention (the optimiser deactivates below 0.3). */
  static final double ATTENTION_BELOW = 0.5;
  static final String[] ROLLUPS = {"auto_resolved", "human_resolved", "pending", "agent_calls", "agent_ok",
      "agent_latency_ms", "first_response", "first_response_ms", "admin_time_ms", "admin_time_tickets", "rating_sum",
      "rating_count", "token_warnings_sent", "issues_prevented"};

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
    Future<RowSet<Row>> suggestions = pool.preparedQuery("SELECT count(*) FILTER (WHERE status = 'pending_review' AND "
            + "kind = 'pattern'), count(*) FILTER (WHERE status = 'pending_review' AND kind = 'article'), "
            + "count(*) FILTER (WHERE status = 'auto_approved' AND decided_at > $1) FROM learning_suggestions")
        .execute(Tuple.of(now.minusDays(7)));
    // DevOps agent: runs started, draft PRs opened and PRs merged in the window (devops_runs, devops_tasks).
    Future<RowSet<Row>> devops = pool.preparedQuery("SELECT (SELECT count(*) FROM devops_runs WHERE started_at > $1), "
            + "(SELECT count(*) FROM devops_tasks WHERE pr_created_at > $1), "
            + "(SELECT count(*) FROM devops_tasks WHERE pr_merged_at > $1)")
        .execute(Tuple.of(now.minus(WINDOW)));
    // Pattern effectiveness = times_resolved / times_triggered (plan 4.3), from the learning loop's statistics.
    Future<RowSet<Row>> effectiveness = pool.preparedQuery("SELECT id, name, times_triggered, times_resolved, active, "
            + "times_resolved::float8 / times_triggered AS eff FROM support_patterns WHERE times_triggered > 0")
        .execute(Tuple.tuple());
    return Future.all(List.of(sums, patterns, spikes, suggestions, devops, effectiveness)).map(all -> {
      Map<String, Long> s = new HashMap<>();
      sums.result().forEach(r -> s.put(r.getString(0), r.getLong(1)));
      Row p = patterns.result().iterator().next();
      long totalPatterns = p.getLong(0);
      long activePatterns = p.getLong(1);
      long spikesDetected = spikes.result().iterator().next().getLong(0);
      Row sg = suggestions.result().iterator().next();
      Row d = devops.result().iterator().next();
      JsonObject json = build(s, totalPatterns, activePatterns, spikesDetected, from, now);
      json.getJsonObject("suggestions").put("pending_patterns", sg.getLong(0)).put("pending_articles", sg.getLong(1))
          .put("auto_approved_7d", sg.getLong(2));
      json.put("devops_agent", new JsonObject().put("invocations_24h", d.getLong(0)).put("prs_created", d.getLong(1))
          .put("prs_merged", d.getLong(2)));
      patternEffectiveness(json.getJsonObject("patterns"), effectiveness.result());
      return json;
    });
  }

  /**
   * The average effectiveness of the active patterns that were triggered, the five best and the five worst of those
   * triggered at least {@link #RANKED_AFTER_TRIGGERS} times (worst: below {@link #ATTENTION_BELOW}).
   */
  static void patternEffectiveness(JsonObject out, RowSet<Row> rows) {
    List<JsonObject> ranked = new ArrayList<>();
    double sum = 0;
    int n = 0;
    for (Row r : rows) {
      if (!r.getBoolean("active")) {
        continue;
      }
      double eff = r.getDouble("eff");
      sum += eff;
      n++;
      if (r.getInteger("times_triggered") >= RANKED_AFTER_TRIGGERS) {
        ranked.add(new JsonObject().put("id", r.getString("id")).put("name", r.getString("name"))
            .put("effectiveness", Math.round(eff * 10_000.0) / 10_000.0)
            .put("times_triggered", r.getInteger("times_triggered")).put("times_resolved", r.getInteger("times_resolved")));
      }
    }
    ranked.sort(Comparator.comparingDouble((JsonObject o) -> o.getDouble("effectiveness")).reversed()
        .thenComparing(o -> o.getString("id")));
    JsonArray top = new JsonArray();
    ranked.stream().limit(5).forEach(top::add);
    JsonArray attention = new JsonArray();
    for (int i = ranked.size() - 1; i >= 0 && attention.size() < 5; i--) {
      if (ranked.get(i).getDouble("effectiveness") < ATTENTION_BELOW) {
        attention.add(ranked.get(i));
      }
    }
    out.put("avg_effectiveness", n == 0 ? 0.0 : Math.round(sum / n * 10_000.0) / 10_000.0)
        .put("top_performing", top).put("needs_attention", attention);
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
        .put("proactive", new JsonObject().put("token_warnings_sent", s.getOrDefault("token_warnings_sent", 0L))
            .put("error_spikes_detected", spikesDetected).put("issues_prevented", s.getOrDefault("issues_prevented", 0L)))
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
