package io.supportpilot.ingest;

import io.supportpilot.bench.BenchmarkBase;
import io.supportpilot.bench.load.SignedPool;
import io.supportpilot.bus.EventKey;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The event-loop slices of the batch endpoint for the largest batch (8 MiB, 5,000 items) and the largest body still
 * handled inline ({@link WebhookRoutes#INLINE_BODY_BYTES}): what one request holds an event loop for, in
 * microseconds. {@code fullBatchOffLoop} is the work that the route moves to a worker thread, for comparison.
 * The worst slice is the largest of the {@code onLoop*} figures; the target is well under 10 ms.
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BatchSliceBenchmark extends BenchmarkBase {

  private static final String SECRET = "bench-secret";
  private final PayloadReaders payloads = PayloadReaders.withLimits(32, 262_144);
  private final Signatures signatures = Signatures.withSecret(SECRET, "MCP");
  private final RecentKeys<EventKey> recent = new RecentKeys<>(200_000);
  private byte[] fullBatch;
  private String fullSig;
  private byte[] inlineBatch;
  private String inlineSig;
  private byte[] hundred;
  private byte[] inlineSingle;
  private String inlineSingleSig;
  private List<McpBatch.Item> fullItems;
  private boolean[] isNew;
  private long now;
  private String ts;

  @Setup(Level.Trial)
  public void setUp() {
    now = System.currentTimeMillis() / 1000;
    ts = String.valueOf(now);
    SignedPool gen = new SignedPool(7, 2000, 300);
    fullBatch = ndjson(gen, 5000, 8 * 1024 * 1024, "full-");
    inlineBatch = ndjson(gen, 5000, WebhookRoutes.INLINE_BODY_BYTES, "inline-");
    hundred = ndjson(gen, 100, 8 * 1024 * 1024, "hundred-");
    fullSig = SignedPool.sign(SECRET, now, fullBatch);
    inlineSig = SignedPool.sign(SECRET, now, inlineBatch);
    String pad = "x".repeat(WebhookRoutes.INLINE_BODY_BYTES - 200);
    inlineSingle = ("{\"error_type\":\"ExactApiError\",\"message\":\"timeout " + pad + "\",\"user_id\":\"u1\"}")
        .getBytes(StandardCharsets.UTF_8);
    inlineSingleSig = SignedPool.sign(SECRET, now, inlineSingle);
    fullItems = McpBatch.parse(payloads.batches(), payloads.mcpEvents(), fullBatch, ts, Instant.ofEpochSecond(now),
        5000);
    isNew = new boolean[fullItems.size()];
    for (int k = 0; k < isNew.length; k += 2) {
      isNew[k] = true;
    }
    for (int k = 0; k < 200_000; k++) {
      recent.add(new EventKey("mcp", "warm-" + k));
    }
  }

  /** NDJSON lines of realistic errors, as many as fit in {@code maxBytes} (at most {@code maxItems}). */
  private static byte[] ndjson(SignedPool gen, int maxItems, int maxBytes, String prefix) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(maxBytes);
    for (int k = 0; k < maxItems; k++) {
      byte[] line = (gen.mcpBody(prefix + k) + "\n").getBytes(StandardCharsets.UTF_8);
      if (out.size() + line.length > maxBytes) {
        break;
      }
      out.writeBytes(line);
    }
    return out.toByteArray();
  }

  /** Splitting a 100-line NDJSON body (the load benchmark's batch) into its lines, nothing else. */
  @Benchmark
  public Object splitHundredLines() {
    return BatchSplitter.ndjsonLines(hundred, hundred.length);
  }

  /** The same with the byte-by-byte loop it replaced (3 Dec), for comparison. */
  @Benchmark
  public Object splitHundredLinesByteLoop() {
    return byteLoopLines(hundred, hundred.length);
  }

  private static List<int[]> byteLoopLines(byte[] body, int length) {
    List<int[]> lines = new java.util.ArrayList<>();
    int start = 0;
    for (int i = 0; i <= length; i++) {
      if (i == length || body[i] == '\n') {
        int s = start;
        int e = i;
        while (s < e && (body[s] == ' ' || body[s] == '\r' || body[s] == '\t' || body[s] == '\n')) {
          s++;
        }
        while (e > s && (body[e - 1] == ' ' || body[e - 1] == '\r' || body[e - 1] == '\t' || body[e - 1] == '\n')) {
          e--;
        }
        if (e > s) {
          lines.add(new int[] {s, e - s});
        }
        start = i + 1;
      }
    }
    return lines;
  }

  /** On the loop: the largest inline batch body, verified and parsed item by item. */
  @Benchmark
  public Object onLoopInlineBatch() {
    signatures.verifyMcp(ts, inlineSig, inlineBatch, now, Duration.ofMinutes(5));
    return McpBatch.parse(payloads.batches(), payloads.mcpEvents(), inlineBatch, ts, Instant.ofEpochSecond(now), 5000);
  }

  /** On the loop: the largest inline single event (a 64 KiB message). */
  @Benchmark
  public Object onLoopInlineSingle() {
    signatures.verifyMcp(ts, inlineSingleSig, inlineSingle, now, Duration.ofMinutes(5));
    return payloads.mcpEvents().read(inlineSingle, 0, inlineSingle.length, Instant.ofEpochSecond(now), "", ts);
  }

  /** On the loop: the recent-id lookups of a 5,000-item batch before it goes to the writer. */
  @Benchmark
  public int onLoopDedupeLookups() {
    int hits = 0;
    for (McpBatch.Item it : fullItems) {
      if (recent.contains(EventKey.of(it.event()))) {
        hits++;
      }
    }
    return hits;
  }

  /** On the loop: remembering the ids and writing the 207/202 reply of a 5,000-item batch. */
  @Benchmark
  public Object onLoopReply() {
    for (McpBatch.Item it : fullItems) {
      recent.add(EventKey.of(it.event()));
    }
    return McpBatch.reply(fullItems, isNew);
  }

  /** On a worker thread: HMAC, strict checks, parse, normalise and fingerprint of 8 MiB / 5,000 items. */
  @Benchmark
  public Object fullBatchOffLoop() {
    signatures.verifyMcp(ts, fullSig, fullBatch, now, Duration.ofMinutes(5));
    return McpBatch.parse(payloads.batches(), payloads.mcpEvents(), fullBatch, ts, Instant.ofEpochSecond(now), 5000);
  }
}
