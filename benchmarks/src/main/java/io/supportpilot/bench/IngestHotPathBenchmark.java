package io.supportpilot.bench;

import io.supportpilot.bench.load.SignedPool;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.EventKey;
import io.supportpilot.ingest.Fingerprints;
import io.supportpilot.ingest.JsonBodyReader;
import io.supportpilot.ingest.McpEventReader;
import io.supportpilot.ingest.RecentKeys;
import io.supportpilot.ingest.Signatures;
import io.supportpilot.web.StorableText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The ingestion hot path for one MCP error, as the webhook route runs it: HMAC check over the raw bytes,
 * the check for what Postgres cannot store (part of the parse; alone in {@code storableCheckOnly}), strict parse
 * and validation, normalisation with fingerprint, and the recent-event-id dedupe lookup
 * ({@link RecentKeys}, 200k entries, as the engine). Bodies are realistic (stack, context; 500-1500 bytes), 1024
 * of them in rotation.
 */
@State(Scope.Thread)
public class IngestHotPathBenchmark extends BenchmarkBase {

  private static final int N = 1024;
  private final JsonBodyReader json = new JsonBodyReader(32, 262_144);
  private final McpEventReader mcpEvents = new McpEventReader(json);
  private final Signatures signatures = Signatures.withSecret("bench-secret", "MCP");
  private final RecentKeys<EventKey> recent = new RecentKeys<>(200_000);
  private byte[][] bodies;
  private String[] sigs;
  private String[] messages;
  private String ts;
  private long now;
  private int i;

  @Setup(Level.Trial)
  public void setUp() {
    now = System.currentTimeMillis() / 1000;
    ts = String.valueOf(now);
    SignedPool gen = new SignedPool(42, 2000, 300);
    bodies = new byte[N][];
    sigs = new String[N];
    messages = new String[N];
    for (int k = 0; k < N; k++) {
      String body = gen.mcpBody("bench-" + k);
      bodies[k] = body.getBytes(StandardCharsets.UTF_8);
      sigs[k] = SignedPool.sign("bench-secret", now, bodies[k]);
      messages[k] = json.parse(bodies[k], 0, bodies[k].length).get("message").asText();
    }
    for (int k = 0; k < 200_000; k++) {
      recent.add(new EventKey("mcp", "warm-" + k));
    }
  }

  @Benchmark
  public Object fullHotPath() {
    int k = i++ & (N - 1);
    byte[] b = bodies[k];
    signatures.verifyMcp(ts, sigs[k], b, now, Duration.ofMinutes(5));
    ErrorEvent e = mcpEvents.read(b, 0, b.length, Instant.ofEpochSecond(now), "");
    return recent.contains(EventKey.of(e)) ? null : e;
  }

  @Benchmark
  public Object signatureOnly() {
    int k = i++ & (N - 1);
    signatures.verifyMcp(ts, sigs[k], bodies[k], now, Duration.ofMinutes(5));
    return sigs[k];
  }

  @Benchmark
  public Object parseAndNormaliseOnly() {
    int k = i++ & (N - 1);
    return mcpEvents.read(bodies[k], 0, bodies[k].length, Instant.ofEpochSecond(now), "");
  }

  @Benchmark
  public Object storableCheckOnly() {
    int k = i++ & (N - 1);
    return StorableText.jsonProblem(bodies[k], 0, bodies[k].length, true);
  }

  @Benchmark
  public Object treeParseOnly() {
    int k = i++ & (N - 1);
    return json.parse(bodies[k], 0, bodies[k].length);
  }

  @Benchmark
  public Object fingerprintOnly() {
    int k = i++ & (N - 1);
    return Fingerprints.of("ExactApiError", "EXACT_500", messages[k], List.of("at fetch (/app/src/a.ts:1:2)"));
  }
}
