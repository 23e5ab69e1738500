package io.supportpilot.spike;

import io.supportpilot.Engine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.HdrHistogram.Histogram;

/**
 * Spike latency and subscriber cost through the real HTTP path: signed MCP webhooks into a whole engine (embedded
 * Postgres in a fresh folder under /tmp, removed afterwards), SSE subscribers over HTTP.
 *
 * <p>(a) Latency: while a paced load loop POSTs {@code rate} background errors/s, a brand-new error type surges
 * every 250 ms: five errors are POSTed and acknowledged, then the sixth, whose HTTP 202 (the commit that makes the
 * rule hold) starts the clock; the clock stops when the {@code spike.started} frame of that type arrives at an SSE
 * subscriber.
 *
 * <p>(b) Subscriber cost: the HTTP ingest rate (202s per second, {@code concurrency} requests in flight as fast as
 * the engine answers, one new spike per {@code -Dsurge.ms} so frames fan out) with no SSE subscribers and with
 * {@code subscribers} attached, alternating over three rounds, as a ratio.
 *
 * <p>Run: {@code java -Xmx1g -cp benchmarks/target/benchmarks.jar io.supportpilot.spike.SpikeHttpProgram [rate]
 * [latency-seconds] [subscribers] [concurrency]} (defaults 10000, 40, 1000, 64). Bounded to about 2 minutes.
 * {@code -Dbatch=N} sends the background load (a and b) as NDJSON batches of N events to the batch endpoint, so
 * the background rate is not bounded by the single endpoint's request rate; the surges stay single requests.
 */
public final class SpikeHttpProgram {

  private static final String TOKEN = "bench-admin-token";
  private static final String SECRET = "bench-mcp-secret";
  private static final String PATH = "/api/webhooks/mcp-error";
  private static final long SURGE_MS = Long.getLong("surge.ms", 1000);
  /** Background events per request: 1 = the single endpoint, more = NDJSON batches to the batch endpoint. */
  private static final int BATCH = Integer.getInteger("batch", 1);
  /** (b): alternating rounds and seconds per measurement. */
  private static final int ROUNDS = Integer.getInteger("rounds", 3);
  private static final int ROUND_SECONDS = Integer.getInteger("round.seconds", 5);
  private static final AtomicLong IDS = new AtomicLong();

  private SpikeHttpProgram() {
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    int subscribers = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    Path data = Files.createTempDirectory("spike-http-bench");
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", TOKEN);
    env.put("MCP_WEBHOOK_SECRET", SECRET);
    env.put("DATA_DIR", data.toString());
    env.put("SPIKES_STREAM_MAX_SUBSCRIBERS", String.valueOf(subscribers + 10));
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    if (!Boolean.parseBoolean(System.getProperty("tickets", "true"))) {
      env.put("TICKETS_ENABLED", "false"); // -Dtickets=false: ingest and spikes only, no auto-tickets/agent work
    }
    Engine engine = Engine.start(env);
    Vertx clients = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Vertx readers = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClient http = clients.createHttpClient(new HttpClientOptions().setDefaultPort(engine.port())
        .setDefaultHost("127.0.0.1").setKeepAlive(true), new PoolOptions().setHttp1MaxSize(Math.max(128, concurrency)));
    HttpClient sse = clients.createHttpClient(new HttpClientOptions().setDefaultPort(engine.port())
        .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(subscribers + 10));
    Signer signer = new Signer();
    try {
      Map<String, Long> acked = new ConcurrentHashMap<>();
      Map<String, Long> arrived = new ConcurrentHashMap<>();
      SpikeStreamReader.subscribe(sse, TOKEN, true, (type, at) -> {
        if (type != null) {
          arrived.putIfAbsent(type, at);
        }
      }).await(10, TimeUnit.SECONDS);

      // (a) latency under paced background load; the first 8 s warm up and are not recorded.
      Load load = new Load(clients, http, signer, rate);
      load.start();
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int surges = 0;
      List<String> measured = new ArrayList<>();
      while (System.nanoTime() < end) {
        long t0 = System.nanoTime();
        boolean warm = t0 < warmEnd;
        String type = (warm ? "WarmSurge" : "Surge") + surges++;
        List<Future<Integer>> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          first.add(post(http, signer, type, i));
        }
        boolean ok = true;
        for (Future<Integer> f : first) {
          ok &= f.await(10, TimeUnit.SECONDS) == 202;
        }
        Future<Integer> crossing = post(http, signer, type, 5).onSuccess(code -> {
          if (code == 202) {
            acked.put(type, System.nanoTime());
          }
        });
        ok &= crossing.await(10, TimeUnit.SECONDS) == 202;
        if (ok && !warm) {
          measured.add(type);
        }
        long sleep = TimeUnit.MILLISECONDS.toNanos(250) - (System.nanoTime() - t0);
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
      }
      double achieved = load.stop();
      Thread.sleep(1500);
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
      int missing = 0;
      int early = 0;
      for (String type : measured) {
        Long ack = acked.get(type);
        Long at = arrived.get(type);
        if (ack == null || at == null) {
          missing++;
        } else if (at < ack) {
          early++; // the frame beat the 202 to the client: zero latency for the caller
          latency.recordValue(0);
        } else {
          latency.recordValue(at - ack);
        }
      }
      System.out.printf("(a) spike latency, HTTP 202 of the crossing event -> spike.started at an SSE client; "
          + "background %.0f events/s accepted (target %d/s, %d events per request, %d requests not fully accepted); %d surges measured, %d frames missing, "
          + "%d frames before the 202:%n", achieved, rate, BATCH, load.failed.get(), measured.size(), missing, early);
      System.out.printf("    p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(90)),
          ms(latency.getValueAtPercentile(99)), ms(latency.getMaxValue()));

      // (b) HTTP ingest rate with no subscribers and with `subscribers`, alternating.
      throughput(http, signer, concurrency, "warm");
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        double none = throughput(http, signer, concurrency, "none" + round);
        HttpClient subs = readers.createHttpClient(new HttpClientOptions().setDefaultPort(engine.port())
            .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(subscribers + 10));
        List<Future<Void>> opened = new ArrayList<>();
        AtomicLong frames = new AtomicLong();
        for (int i = 0; i < subscribers; i++) {
          opened.add(SpikeStreamReader.subscribe(subs, TOKEN, false, (type, at) -> frames.incrementAndGet()));
        }
        Future.all(opened).await(60, TimeUnit.SECONDS);
        double with = throughput(http, signer, concurrency, "with" + round);
        Thread.sleep(500);
        subs.close().await(30, TimeUnit.SECONDS);
        Thread.sleep(500);
        ratios.add(with / none);
        System.out.printf("(b) round %d: %.0f events/s accepted with no subscribers, %.0f with %d subscribers "
            + "(ratio %.2f); %d spike.started frames delivered to them%n", round, none, with, subscribers,
            with / none, frames.get());
      }
      ratios.sort(null);
      System.out.printf("(b) HTTP ingest ratio with/without %d SSE subscribers: median %.2f (min %.2f, max %.2f)%n",
          subscribers, ratios.get(ratios.size() / 2), ratios.get(0), ratios.get(ratios.size() - 1));
    } finally {
      clients.close().await(10, TimeUnit.SECONDS);
      readers.close().await(10, TimeUnit.SECONDS);
      engine.stop();
      delete(data);
    }
  }

  /** A paced open-loop sender: every 10 ms, rate/100 requests, skipped (and counted) beyond 512 in flight. */
  private static final class Load {
    final Vertx vertx;
    final HttpClient http;
    final Signer signer;
    final int perTick;
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    long timer;
    long started;
    long seq;

    Load(Vertx vertx, HttpClient http, Signer signer, int rate) {
      this.vertx = vertx;
      this.http = http;
      this.signer = signer;
      this.perTick = Math.max(1, rate / 100 / BATCH);
    }

    void start() {
      started = System.nanoTime();
      timer = vertx.setPeriodic(10, id -> {
        for (int i = 0; i < perTick && inFlight.get() < 512; i++) {
          inFlight.incrementAndGet();
          long n = seq;
          seq += BATCH;
          background(http, signer, n).onComplete(ar -> {
            inFlight.decrementAndGet();
            if (ar.succeeded() && ar.result() > 0) {
              ok.addAndGet(ar.result());
            }
            if (ar.failed() || ar.result() < BATCH) {
              failed.incrementAndGet();
            }
          });
        }
      });
    }

    /** Stops sending; returns the 202s per second achieved. */
    double stop() {
      vertx.cancelTimer(timer);
      return ok.get() / ((System.nanoTime() - started) / 1e9);
    }
  }

  private static double throughput(HttpClient http, Signer signer, int concurrency, String run) throws Exception {
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(ROUND_SECONDS);
    AtomicLong ok = new AtomicLong();
    AtomicLong seq = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
      loop(http, signer, run, seq, ok, end, done);
      loops.add(done.future());
    }
    long nextSurge = t0;
    int surge = 0;
    while (System.nanoTime() < end) {
      if (SURGE_MS > 0 && System.nanoTime() >= nextSurge) {
        String type = "Throughput" + run + "-" + surge++;
        for (int i = 0; i < 6; i++) {
          post(http, signer, type, i);
        }
        nextSurge += TimeUnit.MILLISECONDS.toNanos(SURGE_MS);
      }
      Thread.sleep(10);
    }
    Future.all(loops).await(30, TimeUnit.SECONDS);
    return ok.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static void loop(HttpClient http, Signer signer, String run, AtomicLong seq, AtomicLong ok, long end,
      io.vertx.core.Promise<Void> done) {
    if (System.nanoTime() >= end) {
      done.tryComplete();
      return;
    }
    long n = seq.getAndAdd(BATCH);
    background(http, signer, n).onComplete(ar -> {
      if (ar.succeeded()) {
        ok.addAndGet(ar.result());
      }
      loop(http, signer, run, seq, ok, end, done);
    });
  }

  /** One background request of {@link #BATCH} events starting at sequence {@code n}; the events accepted (202). */
  private static Future<Integer> background(HttpClient http, Signer signer, long n) {
    if (BATCH <= 1) {
      return post(http, signer, "Background" + (n % 20), n).map(code -> code == 202 ? 1 : 0);
    }
    StringBuilder ndjson = new StringBuilder(BATCH * 200);
    for (int i = 0; i < BATCH; i++) {
      ndjson.append(body("Background" + ((n + i) % 20), n + i)).append('\n');
    }
    String body = ndjson.toString();
    long ts = System.currentTimeMillis() / 1000;
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(PATH + "/batch")
        .putHeader("Content-Type", "application/x-ndjson").putHeader("X-Timestamp", String.valueOf(ts))
        .putHeader("X-Signature", signer.sign(ts, body)))
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode() == 202 || resp.statusCode() == 207
            ? new JsonObject(b).getInteger("accepted", 0) : 0));
  }

  /** POSTs one signed MCP error with a fresh event id; the status code. */
  private static Future<Integer> post(HttpClient http, Signer signer, String type, long n) {
    String body = body(type, n);
    long ts = System.currentTimeMillis() / 1000;
    String sig = signer.sign(ts, body);
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(PATH)
        .putHeader("Content-Type", "application/json").putHeader("X-Timestamp", String.valueOf(ts))
        .putHeader("X-Signature", sig))
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> resp.statusCode()));
  }

  /** One MCP error as JSON with a fresh event id. */
  private static String body(String type, long n) {
    return new JsonObject().put("event_id", "bench-" + IDS.incrementAndGet())
        .put("user_id", type.startsWith("Background") ? "bench-user-" + (n % 10) : "bench-surge-user")
        .put("connection_id", "bench-conn").put("tool", "list_invoices")
        .put("error_type", type).put("error_code", "E500").put("status_code", 500)
        .put("message", type + " while listing invoices").encode();
  }

  /** HMAC-SHA256 of "timestamp.body" with the MCP secret, as the MCP server signs. */
  private static final class Signer {
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return mac;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    String sign(long ts, String body) {
      return "sha256=" + HexFormat.of().formatHex(macs.get().doFinal((ts + "." + body)
          .getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
