package io.supportpilot.desk;

import io.supportpilot.Engine;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The desk at size: fills Postgres with {@code conversations} conversations and {@code messagesPer} messages each
 * (generate_series SQL, triggers off, the rollups then built from the filled facts exactly as the triggers would
 * have), then times the metrics endpoint, the queue's list endpoint (filters, sorts, deep keyset pages), the detail
 * and the timeseries through HTTP, one request at a time, and prints p50/p99/max per endpoint.
 *
 * <p>{@code java -Xmx1g -cp benchmarks/target/benchmarks.jar io.supportpilot.desk.DeskQueueProgram [conversations]
 * [messagesPer] [requests]}, defaults 1000000 10 2000; {@code -Ddata=DIR} keeps the embedded database in DIR and
 * reuses a filled one on the next run.
 */
public final class DeskQueueProgram {

  static final String TOKEN = "desk-bench-admin-token";
  static final int CHUNK = 100_000;

  private DeskQueueProgram() {
  }

  public static void main(String[] args) throws Exception {
    int conversations = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int messagesPer = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int requests = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    String keep = System.getProperty("data");
    Path data = keep != null ? Path.of(keep) : Files.createTempDirectory("desk-bench");
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", TOKEN);
    env.put("DATA_DIR", data.toString());
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    env.put("AGENT_ENABLED", "false");
    env.put("TICKETS_ENABLED", "false");
    env.put("PG_POOL_SIZE", "8");
    env.put("KNOWLEDGE_CONVERSATION_LIMIT", "0"); // no background embedding of the resolved conversations
    Engine engine = Engine.start(env);
    try {
      Pool pool = engine.pool();
      long have = await(pool.query("SELECT count(*) FROM support_conversations").execute()).iterator().next()
          .getLong(0);
      if (have < conversations) {
        fill(pool, conversations, messagesPer);
      } else {
        System.out.printf("reusing %,d conversations in %s%n", have, data);
      }
      long convs = await(pool.query("SELECT count(*) FROM support_conversations").execute()).iterator().next()
          .getLong(0);
      long msgs = await(pool.query("SELECT count(*) FROM support_messages").execute()).iterator().next().getLong(0);
      long rollups = await(pool.query("SELECT count(*) FROM desk_rollup").execute()).iterator().next().getLong(0);
      System.out.printf("store: %,d conversations, %,d messages, %,d rollup rows%n", convs, msgs, rollups);
      if (Boolean.getBoolean("explain")) {
        explain(pool);
      }
      measure(engine.port(), requests, conversations);
    } finally {
      engine.stop();
      if (keep == null) {
        deleteTree(data);
      }
    }
    // The engine's worker pool holds the JVM after stop while a background embedding finishes.
    System.exit(0);
  }

  static void fill(Pool pool, int n, int messagesPer) {
    long t0 = System.nanoTime();
    await(pool.withConnection(c -> exec(c, "SET session_replication_role = replica")
        .compose(v -> chunks(c, n, messagesPer, 0))
        .compose(v -> exec(c, "INSERT INTO claude_calls (conversation_id, purpose, outcome, latency_ms, model, "
            + "created_at) SELECT id, 'conversation', CASE WHEN length(id) % 10 = 0 THEN 'timeout' ELSE 'ok' END, "
            + "800 + (hashtext(id) & 2047), 'bench', first_response_at FROM support_conversations "
            + "WHERE handled_by = 'ai' AND right(id, 1) IN ('0', '5')"))
        .compose(v -> exec(c, "INSERT INTO spikes (id, error_type, count_last_hour, count_24h, hourly_average, ratio, "
            + "peak_count, started_at, last_updated_at) SELECT 's' || g, 'BenchError' || g, 40, 100, 4, 10, 40, "
            + "now() - interval '1 hour' * g, now() FROM generate_series(1, 30) g"))
        .compose(v -> exec(c, "SET session_replication_role = DEFAULT"))));
    System.out.printf("filled conversations and messages in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    long t1 = System.nanoTime();
    for (String sql : ROLLUP_REBUILD) {
      await(pool.query(sql).execute());
    }
    await(pool.query("ANALYZE").execute());
    System.out.printf("rollups rebuilt and ANALYZE in %.0f s%n", (System.nanoTime() - t1) / 1e9);
  }

  private static Future<Void> chunks(SqlConnection c, int n, int messagesPer, int from) {
    if (from >= n) {
      return Future.succeededFuture();
    }
    int to = Math.min(n, from + CHUNK);
    long t = System.nanoTime();
    return c.preparedQuery(CONVERSATIONS).execute(Tuple.of(from, to - 1, n))
        .compose(v -> c.preparedQuery(MESSAGES).execute(Tuple.of(id(from), id(to), messagesPer - 1)))
        .compose(v -> {
          System.out.printf("  %,d / %,d conversations (+%,d messages) %.1f s%n", to, n,
              (long) (to - from) * messagesPer, (System.nanoTime() - t) / 1e9);
          return chunks(c, n, messagesPer, to);
        });
  }

  static String id(int i) {
    return "c" + String.format("%08d", i);
  }

  // Status mix: 70% resolved, 10% closed, 8% waiting_customer, 5% open, 5% escalated, 2% waiting_support; created
  // over the last 90 days; 75% handled by the agent, 20% by people (assigned among 10 agents), 5% DevOps.
  static final String CONVERSATIONS = "INSERT INTO support_conversations (id, user_id, subject, status, category, "
      + "priority, handled_by, language, satisfaction_rating, auto_created, first_response_at, resolved_at, "
      + "created_at, updated_at, assigned_to, waiting_since) "
      + "SELECT 'c' || lpad(i::text, 8, '0'), 'u' || (i % 200000), 'Benchmark question ' || i, s.status, "
      + "(ARRAY['auth', 'sync', 'billing', 'usage', 'general'])[1 + i % 5], "
      + "CASE h.p WHEN 0 THEN 'urgent' WHEN 1 THEN 'high' WHEN 2 THEN 'high' WHEN 3 THEN 'low' ELSE 'normal' END, "
      + "CASE WHEN i % 20 < 15 THEN 'ai' WHEN i % 20 < 19 THEN 'human' ELSE 'devops' END, "
      + "CASE WHEN i % 10 < 7 THEN 'nl' ELSE 'en' END, CASE WHEN i % 4 = 0 THEN 1 + i % 5 END, i % 3 = 0, "
      + "t.created + interval '30 seconds' * (1 + i % 20), "
      + "CASE WHEN s.status = 'resolved' THEN t.created + interval '1 hour' END, t.created, "
      + "t.created + interval '1 minute' * (i % 600), "
      + "CASE WHEN i % 20 BETWEEN 15 AND 18 THEN 'agent' || (i % 10) END, "
      + "CASE WHEN s.status IN ('open', 'waiting_support', 'escalated') THEN t.created + interval '1 minute' * "
      + "(i % 600) END "
      + "FROM generate_series($1::int, $2::int) i, LATERAL (SELECT abs(hashtext(i::text)) % 50 AS p) h, "
      + "LATERAL (SELECT now() - interval '90 days' * (((i::bigint * 7919) % $3::int)::float8 / $3::int) "
      + "AS created) t, "
      + "LATERAL (SELECT CASE WHEN i % 100 < 70 THEN 'resolved' WHEN i % 100 < 80 THEN 'closed' WHEN i % 100 < 88 "
      + "THEN 'waiting_customer' WHEN i % 100 < 93 THEN 'open' WHEN i % 100 < 98 THEN 'escalated' "
      + "ELSE 'waiting_support' END AS status) s";

  static final String MESSAGES = "INSERT INTO support_messages (conversation_id, sender_type, content, metadata, "
      + "created_at) SELECT c.id, CASE WHEN k % 2 = 0 THEN 'customer' ELSE 'agent' END, "
      + "'Message ' || k || ' of a benchmark conversation about an Exact Online connection that stopped syncing', "
      + "'{}'::jsonb, c.created_at + interval '1 minute' * k FROM support_conversations c, "
      + "generate_series(0, $3::int) k "
      + "WHERE c.id >= $1 AND c.id < $2 ORDER BY c.id, k";

  /** What the triggers would have recorded for the filled rows (they are off during the fill). */
  static final List<String> ROLLUP_REBUILD = List.of(
      "TRUNCATE desk_rollup, desk_rollup_hour",
      "INSERT INTO desk_rollup SELECT 'created', date_trunc('minute', created_at), count(*) FROM support_conversations "
          + "GROUP BY 2",
      "INSERT INTO desk_rollup SELECT 'pending', date_trunc('minute', created_at), count(*) FROM support_conversations "
          + "WHERE status NOT IN ('resolved', 'closed') GROUP BY 2",
      "INSERT INTO desk_rollup SELECT CASE WHEN handled_by = 'ai' THEN 'auto_resolved' ELSE 'human_resolved' END, "
          + "date_trunc('minute', resolved_at), count(*) FROM support_conversations WHERE status = 'resolved' "
          + "GROUP BY 1, 2",
      "INSERT INTO desk_rollup SELECT m, b, sum(v)::bigint FROM (SELECT date_trunc('minute', first_response_at) b, "
          + "unnest(ARRAY['first_response', 'first_response_ms', desk_frt_label((extract(epoch FROM "
          + "first_response_at - created_at) * 1000)::bigint)]) m, unnest(ARRAY[1, (extract(epoch FROM "
          + "first_response_at - created_at) * 1000)::bigint, 1]) v FROM support_conversations "
          + "WHERE first_response_at IS NOT NULL) x GROUP BY 1, 2",
      "INSERT INTO desk_rollup SELECT m, b, sum(v)::bigint FROM (SELECT date_trunc('minute', updated_at) b, "
          + "unnest(ARRAY['rating_sum', 'rating_count']) m, unnest(ARRAY[satisfaction_rating::bigint, 1]) v "
          + "FROM support_conversations WHERE satisfaction_rating IS NOT NULL) x GROUP BY 1, 2",
      "INSERT INTO desk_rollup SELECT CASE WHEN handled_by = 'ai' THEN CASE WHEN right(id, 1) < '7' THEN "
          + "'route_auto_respond' ELSE 'route_suggest_articles' END ELSE 'route_escalate' END, "
          + "date_trunc('minute', first_response_at), count(*) FROM support_conversations GROUP BY 1, 2",
      "INSERT INTO desk_rollup SELECT m, b, sum(v)::bigint FROM (SELECT date_trunc('minute', created_at) b, "
          + "unnest(ARRAY['agent_calls', 'agent_latency_ms', 'agent_ok']) m, unnest(ARRAY[1, latency_ms, "
          + "CASE WHEN outcome = 'ok' THEN 1 ELSE 0 END]) v FROM claude_calls) x GROUP BY 1, 2",
      "INSERT INTO desk_rollup_hour SELECT metric, date_trunc('hour', bucket), sum(value) FROM desk_rollup "
          + "GROUP BY 1, 2");

  static void measure(int port, int requests, int conversations) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String weekAgo = Instant.now().minus(7, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    Map<String, String> lists = new LinkedHashMap<>();
    lists.put("all, -updated_at", "");
    lists.put("status=escalated", "status=escalated");
    lists.put("status=open sort=created_at", "status=open&sort=created_at");
    lists.put("handled_by=human priority=urgent", "handled_by=human&priority=urgent");
    lists.put("assigned_to=agent3", "assigned_to=agent3");
    lists.put("waiting_longer_than=4h", "waiting_longer_than=4h");
    lists.put("language=en category=billing", "language=en&category=billing");
    lists.put("user_id=u123", "user_id=u123");
    lists.put("created_after=7d -created_at", "created_after=" + enc(weekAgo) + "&sort=-created_at");
    lists.put("updated range", "updated_after=" + enc(weekAgo) + "&updated_before=" + enc(now));
    Random random = new Random(42);
    // Warm-up: every query shape and endpoint a few times.
    for (int i = 0; i < 100; i++) {
      for (String q : lists.values()) {
        get(http, port, "/api/admin/conversations?" + q);
      }
      get(http, port, "/api/admin/support/automation/metrics");
    }
    Map<String, long[]> results = new LinkedHashMap<>();
    results.put("GET /api/admin/support/automation/metrics", time(requests, i -> get(http, port,
        "/api/admin/support/automation/metrics")));
    List<String> shapes = new ArrayList<>(lists.values());
    results.put("GET /api/admin/conversations (first pages, 10 filter/sort shapes)", time(requests, i -> get(http,
        port, "/api/admin/conversations?" + shapes.get(i % shapes.size()))));
    for (Map.Entry<String, String> e : lists.entrySet()) {
      results.put("  list " + e.getKey(), time(requests / 10, i -> get(http, port, "/api/admin/conversations?"
          + e.getValue())));
    }
    results.put("GET /api/admin/conversations keyset pages 1..50 (limit 50, -updated_at)", pages(http, port, "",
        requests / 50));
    results.put("GET /api/admin/conversations keyset pages 1..50 (status=waiting_customer)", pages(http, port,
        "status=waiting_customer", requests / 50));
    results.put("GET /api/admin/conversations/{id}", time(requests, i -> get(http, port,
        "/api/admin/conversations/" + id(random.nextInt(conversations)))));
    results.put("GET /api/admin/support/automation/timeseries?hours=24", time(requests / 4, i -> get(http, port,
        "/api/admin/support/automation/timeseries?hours=24")));
    System.out.println();
    System.out.printf("%-75s %8s %8s %8s %8s%n", "endpoint (sequential requests, ms)", "n", "p50", "p99", "max");
    for (Map.Entry<String, long[]> e : results.entrySet()) {
      long[] v = e.getValue();
      Arrays.sort(v);
      System.out.printf("%-75s %8d %8.2f %8.2f %8.2f%n", e.getKey(), v.length, v[v.length / 2] / 1e6,
          v[(int) Math.min(v.length - 1, Math.ceil(v.length * 0.99) - 1)] / 1e6, v[v.length - 1] / 1e6);
    }
    JsonObject m = new JsonObject(get(http, port, "/api/admin/support/automation/metrics"));
    System.out.println();
    System.out.println("metrics: " + m.copy().put("success_metrics", "...").encode());
  }

  /** Prints the plans and timings Postgres reports for the metrics sums and a few queue pages (-Dexplain=true). */
  static void explain(Pool pool) {
    java.time.OffsetDateTime now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
    java.time.OffsetDateTime from = now.truncatedTo(ChronoUnit.MINUTES).minusHours(24);
    String[] metrics = {"auto_resolved", "human_resolved", "pending", "agent_calls", "agent_ok", "agent_latency_ms",
        "first_response", "first_response_ms", "admin_time_ms", "admin_time_tickets", "rating_sum", "rating_count"};
    print(pool, "metrics sums", "SELECT metric, sum(v)::bigint FROM (SELECT metric, value AS v FROM desk_rollup_hour "
        + "WHERE metric = ANY($1) AND bucket >= $4 AND bucket < $5 UNION ALL SELECT metric, value FROM desk_rollup "
        + "WHERE metric = ANY($1) AND bucket > $2 AND bucket < $4 UNION ALL SELECT metric, value FROM desk_rollup "
        + "WHERE metric = ANY($1) AND bucket >= $5 AND bucket <= $3) x GROUP BY metric",
        Tuple.of(metrics, from, now, from.truncatedTo(ChronoUnit.HOURS).plusHours(1),
            now.truncatedTo(ChronoUnit.HOURS)));
    for (String q : List.of("", "status=escalated", "status=open&sort=created_at", "waiting_longer_than=4h",
        "handled_by=human&priority=urgent")) {
      io.vertx.core.MultiMap params = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
      for (String kv : q.split("&")) {
        if (!kv.isEmpty()) {
          params.add(kv.split("=")[0], kv.split("=")[1]);
        }
      }
      QueueQuery query = QueueQuery.parse(params, Instant.now());
      print(pool, "list " + q, query.sql, query.args);
    }
  }

  static void print(Pool pool, String title, String sql, Tuple args) {
    System.out.println("--- " + title);
    await(pool.preparedQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql).execute(args))
        .forEach(r -> System.out.println("  " + r.getString(0)));
  }

  interface Call {
    void run(int i) throws Exception;
  }

  static long[] time(int n, Call call) throws Exception {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      call.run(i);
      t[i] = System.nanoTime() - t0;
    }
    return t;
  }

  static long[] pages(HttpClient http, int port, String filter, int walks) throws Exception {
    List<Long> t = new ArrayList<>();
    for (int w = 0; w < Math.max(1, walks); w++) {
      String cursor = null;
      for (int p = 0; p < 50; p++) {
        long t0 = System.nanoTime();
        String body = get(http, port, "/api/admin/conversations?limit=50&" + filter
            + (cursor == null ? "" : "&cursor=" + cursor));
        t.add(System.nanoTime() - t0);
        cursor = new JsonObject(body).getString("next_cursor");
        if (cursor == null) {
          break;
        }
      }
    }
    return t.stream().mapToLong(Long::longValue).toArray();
  }

  static String get(HttpClient http, int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static Future<Void> exec(SqlConnection c, String sql) {
    return c.query(sql).execute().mapEmpty();
  }

  static <T> T await(Future<T> f) {
    try {
      return f.await(3, TimeUnit.HOURS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
