package io.supportpilot.spike;

import io.supportpilot.Engine;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How long the start-up rebuild of the spike windows takes: fills {@code support_error_log} with {@code rows}
 * errors spread over the last 24 hours ({@code types} error types, 4 fingerprints each), restarts the engine and
 * reports the time the detector needed to rebuild (also logged by the detector).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.supportpilot.spike.SpikeRebuildProgram [rows] [types]}
 * (defaults 1,000,000 and 1,000).
 */
public final class SpikeRebuildProgram {

  private SpikeRebuildProgram() {
  }

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int types = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    Path data = Files.createTempDirectory("spike-rebuild");
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", "bench");
    env.put("DATA_DIR", data.toString());
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    Engine engine = Engine.start(env);
    try {
      long t0 = System.nanoTime();
      engine.pool().preparedQuery("INSERT INTO support_error_log (event_id, source, error_type, fingerprint, "
          + "occurred_at, created_at) SELECT 'r' || g, 'mcp', 'Type' || (g % $2), 'fp' || (g % ($2 * 4)), "
          + "now() - (g % 86000) * interval '1 second', now() - (g % 86000) * interval '1 second' "
          + "FROM generate_series(1, $1) g").execute(Tuple.of(rows, types)).await(600, TimeUnit.SECONDS);
      System.out.printf("inserted %d rows in %.1f s%n", rows, (System.nanoTime() - t0) / 1e9);
    } finally {
      engine.stop();
    }
    long t1 = System.nanoTime();
    engine = Engine.start(env);
    System.out.printf("engine restarted in %.1f s (the detector's rebuild time is in its log line above)%n",
        (System.nanoTime() - t1) / 1e9);
    engine.stop();
  }
}
