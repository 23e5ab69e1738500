package io.supportpilot.proactive;

import io.supportpilot.Engine;
import io.supportpilot.ingest.Signatures;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Usage ingestion through the real HTTP path: signed NDJSON batches of tool calls into a whole engine (embedded
 * Postgres in a fresh folder under /tmp, removed afterwards) as fast as it acknowledges them, then every acknowledged
 * batch is sent a second time (all must come back as duplicates) and the store is checked: raw calls, hourly and daily
 * rollups each hold every acknowledged call exactly once. CPU time per acknowledged call is reported for the engine
 * and for Postgres (from /proc), which predicts the rate on a quiet machine better than the wall clock here. The
 * rollups trail the acknowledgement (UsageRollup, every USAGE_ROLLUP_INTERVAL, default 2s): what is still pending at
 * the end of the window is rolled up and its CPU added, so the last figure is the rate with the rollups keeping up.
 *
 * <p>Run: {@code java -Xmx1g -cp benchmarks/target/benchmarks.jar io.supportpilot.proactive.UsageLoadProgram
 * [seconds] [batch] [in-flight] [users]} (defaults 20, 5000, 8, 100000).
 */
public final class UsageLoadProgram {

  private static final String SECRET = "bench-mcp-secret";
  private static final int WARMUP_SECONDS = Integer.getInteger("warmup", 5);
  private static final String[] TOOLS = {"get_invoices", "create_entry", "list_accounts", "get_balance"};

  private UsageLoadProgram() {
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int users = args.length > 3 ? Integer.parseInt(args[3]) : 100_000;
    Path data = Files.createTempDirectory("usage-load-bench");
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", "bench-admin-token");
    env.put("MCP_WEBHOOK_SECRET", SECRET);
    env.put("DATA_DIR", data.toString());
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    env.put("PROACTIVE_ENABLED", "false");
    env.put("AGENT_ENABLED", "false");
    env.put("USAGE_ROLLUP_INTERVAL", System.getenv().getOrDefault("USAGE_ROLLUP_INTERVAL", "2s"));
    env.put("USAGE_ROLLUP_BATCH", System.getenv().getOrDefault("USAGE_ROLLUP_BATCH", "100"));
    Engine engine = Engine.start(env);
    try {
      run(engine, seconds, batch, inFlight, users, data);
    } finally {
      engine.stop();
      try (Stream<Path> walk = Files.walk(data)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(Engine engine, int seconds, int batch, int inFlight, int users, Path data)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI uri = URI.create("http://127.0.0.1:" + engine.port() + UsageRoutes.PATH);
    Signatures sig = Signatures.withSecret(SECRET, "bench");
    AtomicLong nextCall = new AtomicLong();
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<byte[]> ackedBodies = java.util.Collections.synchronizedList(new ArrayList<>());
    Semaphore slots = new Semaphore(inFlight);
    // A warm-up (JIT, pool, first pages) is sent and checked like the rest but left out of the rate and CPU figures.
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
    CpuMeter cpu = null;
    long t0 = 0;
    long end = Long.MAX_VALUE;
    long firstCall = 0;
    long ackedBefore = 0;
    long backlogAtStart = 0;
    while (System.nanoTime() < end) {
      if (cpu == null && System.nanoTime() >= warmEnd) {
        slots.acquire(inFlight);
        backlogAtStart = pending(engine);
        cpu = new CpuMeter(postmaster(data));
        t0 = System.nanoTime();
        end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        firstCall = nextCall.get();
        ackedBefore = acked.get();
        slots.release(inFlight);
      }
      slots.acquire();
      byte[] body = body(nextCall, batch, users);
      send(client, uri, sig, body).whenComplete((r, e) -> {
        if (e == null && r.statusCode() == 202) {
          acked.addAndGet(new JsonObject(r.body()).getInteger("accepted"));
          ackedBodies.add(body);
        } else {
          failed.incrementAndGet();
          if (failed.get() < 5) {
            System.out.println("not acknowledged: " + (e != null ? e : r.statusCode() + " " + r.body()));
          }
        }
        slots.release();
      });
    }
    slots.acquire(inFlight);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    CpuMeter.Split split = cpu.split();
    slots.release(inFlight);
    long sent = nextCall.get() - firstCall;
    long measured = acked.get() - ackedBefore;
    System.out.printf("usage load: %d calls sent in %.1f s (after a %d s warm-up), %d acknowledged as new (%.0f "
        + "calls/s), %d requests not acknowledged; batch %d, %d in flight, %d users%n", sent, elapsed, WARMUP_SECONDS,
        measured, measured / elapsed, failed.get(), batch, inFlight, users);
    long n = Math.max(1, measured);
    System.out.printf("cpu per acknowledged call: engine %.2f us, postgres %.2f us, load client %.2f us (the rollup job "
        + "ran meanwhile, every %s); machine load average %.1f%n", split.engineNs() / 1e3 / n,
        split.postgresNs() / 1e3 / n, split.clientNs() / 1e3 / n,
        System.getenv().getOrDefault("USAGE_ROLLUP_INTERVAL", "2s"), CpuMeter.loadAverage());

    // The rollups trail the acknowledgements: roll up what is left, and count its CPU too, so the ceiling below is the
    // rate these 2 cores sustain with the rollups keeping up (acknowledged calls minus what was pending at the start
    // = what this window added to the rollup work).
    long backlog = pending(engine);
    CpuMeter drainCpu = new CpuMeter(postmaster(data));
    long d0 = System.nanoTime();
    engine.vertx().eventBus().request(UsageRollup.DRAIN, null).await(600, TimeUnit.SECONDS);
    double drainSeconds = (System.nanoTime() - d0) / 1e9;
    CpuMeter.Split drained = drainCpu.split();
    double engineUs = (split.engineNs() + drained.engineNs()) / 1e3 / n;
    double pgUs = (split.postgresNs() + drained.postgresNs()) / 1e3 / n;
    System.out.printf("rollup backlog: %d calls pending at the start of the window, %d at its end, rolled up in %.1f s "
        + "with %.2f us engine + %.2f us postgres per backlog call%n", backlogAtStart, backlog, drainSeconds,
        drained.engineNs() / 1e3 / Math.max(1, backlog), drained.postgresNs() / 1e3 / Math.max(1, backlog));
    System.out.printf("cpu per acknowledged call with its rollup: engine %.2f us + postgres %.2f us = %.2f us; "
        + "quiet-machine ceiling on 2 cores, rollups keeping up: %.0f calls/s%n", engineUs, pgUs, engineUs + pgUs,
        2e6 / (engineUs + pgUs));

    // Every acknowledged batch again: nothing may count twice.
    AtomicLong accepted2 = new AtomicLong();
    AtomicLong dup2 = new AtomicLong();
    List<CompletableFuture<?>> resend = new ArrayList<>();
    for (byte[] b : new ArrayList<>(ackedBodies)) {
      slots.acquire();
      resend.add(send(client, uri, sig, b).whenComplete((r, e) -> {
        if (e == null && r.statusCode() < 300) {
          JsonObject o = new JsonObject(r.body());
          accepted2.addAndGet(o.getInteger("accepted"));
          dup2.addAndGet(o.getInteger("duplicates"));
        }
        slots.release();
      }));
    }
    CompletableFuture.allOf(resend.toArray(new CompletableFuture[0])).join();
    engine.vertx().eventBus().request(UsageRollup.DRAIN, null).await(600, TimeUnit.SECONDS);
    Row counts = engine.pool().query("SELECT (SELECT count(*) FROM api_usage), (SELECT sum(calls) FROM "
        + "api_usage_hourly), (SELECT sum(calls) FROM api_usage_daily), (SELECT count(*) FROM usage_activity)")
        .execute().await(60, TimeUnit.SECONDS).iterator().next();
    System.out.printf("retry of %d acknowledged batches: %d new, %d duplicates%n", ackedBodies.size(),
        accepted2.get(), dup2.get());
    System.out.printf("store: api_usage %d rows, hourly rollups %d calls, daily rollups %d calls, %d active users; "
        + "acknowledged %d -> %s%n", counts.getLong(0), counts.getLong(1), counts.getLong(2), counts.getLong(3),
        acked.get(), counts.getLong(0) == acked.get() && counts.getLong(1) == acked.get()
            && counts.getLong(2) == acked.get() && accepted2.get() == 0 ? "EXACTLY ONCE" : "MISMATCH");
  }

  /** Calls acknowledged but not yet rolled up. */
  private static long pending(Engine engine) throws Exception {
    return engine.pool().query("SELECT coalesce(sum(cardinality(user_ids)), 0) FROM usage_pending").execute()
        .await(60, TimeUnit.SECONDS).iterator().next().getLong(0);
  }

  /** The postmaster pid of the engine's embedded Postgres (first line of postmaster.pid under the data folder). */
  private static long postmaster(Path data) throws Exception {
    try (Stream<Path> walk = Files.walk(data)) {
      Path pidFile = walk.filter(p -> p.getFileName().toString().equals("postmaster.pid")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no postmaster.pid under " + data));
      return Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    }
  }

  private static byte[] body(AtomicLong nextCall, int batch, int users) {
    StringBuilder sb = new StringBuilder(batch * 140);
    long now = System.currentTimeMillis();
    java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < batch; i++) {
      long id = nextCall.getAndIncrement();
      int user = rnd.nextInt(users);
      sb.append("{\"call_id\":\"call-").append(id).append("\",\"user_id\":\"u").append(user)
          .append("\",\"connection_id\":\"c").append(user).append("\",\"tool\":\"").append(TOOLS[(int) (id & 3)])
          .append("\",\"status\":\"").append(id % 50 == 0 ? "error" : "ok").append("\",\"duration_ms\":")
          .append(20 + (id % 200)).append(",\"at\":").append(now - rnd.nextInt(60_000)).append("}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static CompletableFuture<HttpResponse<String>> send(HttpClient client, URI uri, Signatures sig,
      byte[] body) {
    long ts = System.currentTimeMillis() / 1000;
    byte[] prefix = (ts + ".").getBytes(StandardCharsets.US_ASCII);
    String signature = "sha256=" + Signatures.hex(sig.hmac(prefix, body, 0, body.length));
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofSeconds(60))
        .header("Content-Type", "application/x-ndjson").header("X-Timestamp", String.valueOf(ts))
        .header("X-Signature", signature).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return client.sendAsync(req, HttpResponse.BodyHandlers.ofString());
  }
}
