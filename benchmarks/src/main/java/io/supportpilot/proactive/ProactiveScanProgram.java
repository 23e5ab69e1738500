package io.supportpilot.proactive;

import io.supportpilot.config.Config;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.store.Database;
import io.supportpilot.store.EmbeddedDatabase;
import io.supportpilot.store.Migrations;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The proactive scans at scale: an embedded Postgres (fresh folder under /tmp, removed afterwards) filled with
 * {@code users} users (30% free), two Exact connections each (3% in the warning window, 1% recently expired, the rest
 * refreshed in the last two days), 30 days of daily usage rollups for two tools per user (every 7th user weekday-only,
 * every 20th (all paying) silent for 3-9 days, with errors) and the activity table; then the token-expiry and activity-drop scans
 * are timed: the first scan (which opens every due warning and ticket) and a steady-state scan (nothing new due).
 *
 * <p>Run: {@code java -Xmx1g -cp benchmarks/target/benchmarks.jar io.supportpilot.proactive.ProactiveScanProgram
 * [users] [rounds]} (defaults 100000, 3); {@code -Dbatch=N} sets proactive.scan-batch-size (default 1000).
 */
public final class ProactiveScanProgram {

  private ProactiveScanProgram() {
  }

  public static void main(String[] args) throws Exception {
    int users = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path data = Files.createTempDirectory("proactive-scan-bench");
    EmbeddedDatabase db = EmbeddedDatabase.start(data, 0);
    Vertx vertx = Vertx.vertx();
    try {
      Migrations.migrate(db.url());
      Map<String, String> env = new HashMap<>();
      env.put("PG_URL", db.url());
      env.put("PROACTIVE_SCAN_BATCH_SIZE", System.getProperty("batch", "1000"));
      Config config = ConfigLoader.load(env);
      ProactiveConfig cfg = ProactiveConfig.from(config);
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
      long t0 = System.nanoTime();
      fill(Migrations.PgUrl.parse(db.url()), users, now);
      System.out.printf("filled in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      Pool pool = Database.pool(vertx, db.url(), EngineConfig.from(config).pg());
      TokenExpiryScan tokens = new TokenExpiryScan(cfg);
      ActivityDropScan drops = new ActivityDropScan(cfg);
      explain(pool, tokens, drops, now);
      for (int round = 0; round < rounds; round++) {
        OffsetDateTime at = now.plusMinutes(15L * round);
        long s0 = System.nanoTime();
        JsonObject t = tokens.run(pool, at, Integer.MAX_VALUE).await(10, TimeUnit.MINUTES);
        long s1 = System.nanoTime();
        JsonObject d = drops.run(pool, at, Integer.MAX_VALUE).await(10, TimeUnit.MINUTES);
        long s2 = System.nanoTime();
        System.out.printf("scan %d (%s): token expiry %.0f ms %s; activity drop %.0f ms %s; total %.0f ms%n",
            round + 1, round == 0 ? "first: opens everything due" : "steady state", (s1 - s0) / 1e6, t.encode(),
            (s2 - s1) / 1e6, d.encode(), (s2 - s0) / 1e6);
      }
      pool.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      db.close();
      try (Stream<Path> walk = Files.walk(data)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * EXPLAIN (ANALYZE, BUFFERS) of each scan statement for its first batch, in a transaction that is rolled back (the
   * timed scans below start from the same store): execution time and the plan's scan nodes per statement.
   */
  private static void explain(Pool pool, TokenExpiryScan tokens, ActivityDropScan drops, OffsetDateTime now)
      throws Exception {
    Map<String, Map.Entry<String, Tuple>> statements = new LinkedHashMap<>();
    statements.put("token outcomes", Map.entry(TokenExpiryScan.OUTCOMES, Tuple.of(now)));
    statements.put("token warnings", Map.entry(TokenExpiryScan.WARN, tokens.warnArgs(now)));
    statements.put("expired notices", Map.entry(TokenExpiryScan.EXPIRED, tokens.expiredArgs(now)));
    statements.put("activity drop", Map.entry(ActivityDropScan.SQL, drops.args(now, ActivityDropScan.START, "")));
    for (Map.Entry<String, Map.Entry<String, Tuple>> e : statements.entrySet()) {
      List<String> plan = pool.withConnection(conn -> conn.begin().compose(tx -> conn
          .preparedQuery("EXPLAIN (ANALYZE, BUFFERS) " + e.getValue().getKey()).execute(e.getValue().getValue())
          .eventually(tx::rollback)))
          .map(rows -> {
            List<String> lines = new ArrayList<>();
            rows.forEach(r -> lines.add(r.getString(0)));
            return lines;
          }).await(10, TimeUnit.MINUTES);
      System.out.printf("EXPLAIN %s (first batch, rolled back): %s%n", e.getKey(), plan.get(plan.size() - 1).trim());
      for (String line : plan) {
        if (line.contains("Scan") || line.contains("Execution") || line.contains("Planning Time")) {
          System.out.println("  " + line);
        }
      }
    }
  }

  private static void fill(Migrations.PgUrl url, int users, OffsetDateTime now) throws Exception {
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password()); Statement s = c.createStatement()) {
      exec(c, "INSERT INTO users (id, email, name, plan, language, created_at) SELECT 'u' || i, 'u' || i || "
          + "'@example.nl', 'User ' || i, CASE WHEN i % 10 < 3 THEN 'free' ELSE 'pro' END, CASE WHEN i % 4 = 0 "
          + "THEN 'en' ELSE 'nl' END, ?::timestamptz - interval '120 days' FROM generate_series(1, ?) i", now, users);
      exec(c, "INSERT INTO connections (id, user_id, division, status, access_token_expires_at, last_refresh_at, "
          + "token_expires_at, created_at, updated_at) SELECT 'c' || i || '-' || k, 'u' || i, (1000 + k)::text, "
          + "'active', lr + interval '10 minutes', lr, lr + interval '30 days', lr, lr FROM generate_series(1, ?) i, "
          + "generate_series(1, 2) k, LATERAL (SELECT ?::timestamptz - CASE WHEN (i * 2 + k) % 100 < 3 THEN "
          + "interval '23 days' + (i % 604800) * interval '1 second' WHEN (i * 2 + k) % 100 = 3 THEN interval '30 days' "
          + "+ (i % 604800) * interval '1 second' ELSE (i % 172800) * interval '1 second' END AS lr) x", users, now);
      exec(c, "INSERT INTO api_usage_daily (user_id, tool, day, calls, errors, duration_ms) SELECT 'u' || i, t, d::date, "
          + "5 + i % 20, i % 3, 4000 FROM generate_series(1, ?) i, generate_series((?::timestamptz AT TIME ZONE "
          + "'Europe/Amsterdam')::date - 29, (?::timestamptz AT TIME ZONE 'Europe/Amsterdam')::date, interval '1 day') "
          + "d, unnest(ARRAY['get_invoices', 'create_entry']) t WHERE NOT (i % 7 = 0 AND extract(isodow FROM d) >= 6) "
          + "AND NOT (i % 20 = 5 AND d::date > (?::timestamptz AT TIME ZONE 'Europe/Amsterdam')::date - (3 + i % 7))",
          users, now, now, now);
      exec(c, "INSERT INTO usage_activity (user_id, first_at, last_at) SELECT 'u' || i, ?::timestamptz - interval "
          + "'60 days', CASE WHEN i % 20 = 5 THEN ?::timestamptz - (3 + i % 7) * interval '1 day' - interval '12 hours' "
          + "ELSE ?::timestamptz - (i % 86400) * interval '1 second' END FROM generate_series(1, ?) i",
          now, now, now, users);
      exec(c, "INSERT INTO support_error_log (event_id, source, user_id, tool, error_type, error_code, message, "
          + "fingerprint, occurred_at, created_at) SELECT 'e' || i || '-' || k, 'mcp', 'u' || i, 'get_invoices', "
          + "'ExactApiError', 'invalid_grant', 'refresh failed', 'fp' || (i % 50), a.last_at - k * interval '1 hour', "
          + "a.last_at - k * interval '1 hour' FROM generate_series(1, ?) i JOIN usage_activity a ON a.user_id = 'u' || i, "
          + "generate_series(1, 2) k WHERE i % 20 = 5", users);
      s.execute("VACUUM ANALYZE");
      try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM connections), "
          + "(SELECT count(*) FROM api_usage_daily), (SELECT count(*) FROM support_error_log)")) {
        rs.next();
        System.out.printf("store: %d users, %d connections, %d daily rollup rows (30 days), %d errors%n",
            rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
      }
    }
  }

  private static void exec(Connection c, String sql, Object... args) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.execute();
    }
  }
}
