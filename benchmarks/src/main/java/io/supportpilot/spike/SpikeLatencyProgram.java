package io.supportpilot.spike;

import io.supportpilot.Engine;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.StoredErrors;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Spike latency and subscriber cost, measured on a whole engine (embedded Postgres, real SSE over HTTP).
 *
 * <p>Latency: while background errors are published at {@code rate} events/s (as ingestion publishes them after
 * its Postgres commit), a brand-new error type surges every 200 ms; the time from publishing the batch whose
 * sixth error crosses the threshold to the {@code spike.started} frame arriving at an SSE subscriber is recorded.
 *
 * <p>Subscriber cost: the detector's ingest throughput (events counted per second, with a surge every 10,000
 * events so frames fan out) with no SSE subscribers and with {@code subscribers} attached, as a ratio.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.supportpilot.spike.SpikeLatencyProgram [rate]
 * [seconds] [subscribers]} (defaults 10000, 20, 1000).
 */
public final class SpikeLatencyProgram {

  private static final String TOKEN = "bench-admin-token";
  /** Milliseconds between new spikes in the throughput runs (0 = none); {@code -Dsurge.ms=...}. */
  private static final long SURGE_MS = Long.getLong("surge.ms", 200);

  private SpikeLatencyProgram() {
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int subscribers = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    Path data = Files.createTempDirectory("spike-bench");
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("ADMIN_TOKEN", TOKEN);
    env.put("DATA_DIR", data.toString());
    env.put("SPIKES_STREAM_MAX_SUBSCRIBERS", String.valueOf(subscribers + 10));
    env.put("KNOWLEDGE_SEED_ENABLED", "false");
    Engine engine = Engine.start(env);
    Vertx clients = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClient http = clients.createHttpClient(new HttpClientOptions().setDefaultPort(engine.port())
        .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(subscribers + 10));
    try {
      Map<String, Long> published = new ConcurrentHashMap<>();
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
      SpikeStreamReader.subscribe(http, TOKEN, true, (type, at) -> {
        Long t0 = published.remove(type);
        if (t0 != null) {
          synchronized (latency) {
            latency.recordValue(at - t0);
          }
        }
      }).await(10, TimeUnit.SECONDS);

      // Part 1: latency under a steady background rate; the first 3 s warm up and are not recorded.
      long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      long batchEvery = TimeUnit.MILLISECONDS.toNanos(10);
      int perBatch = Math.max(1, rate / 100);
      long next = System.nanoTime();
      long lastSurge = 0;
      int surge = 0;
      long sent = 0;
      while (System.nanoTime() < end) {
        engine.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(background(perBatch, sent)));
        sent += perBatch;
        if (System.nanoTime() - lastSurge > TimeUnit.MILLISECONDS.toNanos(200)) {
          String type = (System.nanoTime() < warmEnd ? "Warmup" : "Surge") + (surge++);
          if (type.startsWith("Surge")) {
            published.put(type, System.nanoTime());
          } else {
            surge--;
          }
          engine.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(errors(type, 6, 1)));
          lastSurge = System.nanoTime();
        }
        next += batchEvery;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
      }
      Thread.sleep(1000);
      System.out.printf("spike latency (publish of the crossing batch -> spike.started frame at an SSE client), "
          + "%d events/s background, %d surges, %d frames missing:%n", rate, surge, published.size());
      System.out.printf("  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
          ms(latency.getValueAtPercentile(50)), ms(latency.getValueAtPercentile(90)),
          ms(latency.getValueAtPercentile(99)), ms(latency.getValueAtPercentile(99.9)), ms(latency.getMaxValue()));

      // Part 2: detector throughput without and with subscribers, alternating over three rounds (noisy machines).
      throughput(engine, "warm");
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < 3; round++) {
        double none = throughput(engine, "none" + round);
        HttpClient subs = clients.createHttpClient(new HttpClientOptions().setDefaultPort(engine.port())
            .setDefaultHost("127.0.0.1"), new PoolOptions().setHttp1MaxSize(subscribers + 10));
        List<io.vertx.core.Future<Void>> opened = new ArrayList<>();
        AtomicLong frames = new AtomicLong();
        for (int i = 0; i < subscribers; i++) {
          opened.add(SpikeStreamReader.subscribe(subs, TOKEN, false, (type, at) -> frames.incrementAndGet()));
        }
        io.vertx.core.Future.all(opened).await(60, TimeUnit.SECONDS);
        double with = throughput(engine, "with" + round);
        Thread.sleep(1000);
        subs.close().await(30, TimeUnit.SECONDS);
        Thread.sleep(500);
        ratios.add(with / none);
        System.out.printf("detector ingest round %d: %.0f events/s with no subscribers, %.0f events/s with %d "
            + "subscribers (ratio %.2f); %d spike.started frames delivered to them (about %d expected)%n", round,
            none, with, subscribers, with / none, frames.get(), SURGE_MS == 0 ? 0 : 5000L / SURGE_MS * subscribers);
      }
      ratios.sort(null);
      System.out.printf("detector ingest ratio with/without %d subscribers: median %.2f (min %.2f, max %.2f)%n",
          subscribers, ratios.get(1), ratios.get(0), ratios.get(2));
    } finally {
      clients.close().await(10, TimeUnit.SECONDS);
      engine.stop();
    }
  }

  private static double throughput(Engine engine, String run) throws Exception {
    int batch = 500;
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(5);
    long nextSurge = t0;
    int surge = 0;
    long sent = 0;
    while (System.nanoTime() < end) {
      engine.vertx().eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(background(batch, sent)));
      sent += batch;
      if (SURGE_MS > 0 && System.nanoTime() >= nextSurge) {
        // five new spikes a second: far more than real life, so every subscriber gets frames throughout
        engine.vertx().eventBus().publish(Addresses.ERRORS_STORED,
            new StoredErrors(errors("Throughput" + run + (surge++), 6, 1)));
        nextSurge += TimeUnit.MILLISECONDS.toNanos(SURGE_MS);
      }
      if ((sent / batch) % 20 == 0) {
        // bound the queue: wait until the detector has caught up
        engine.vertx().eventBus().request(Addresses.SPIKES_TICK, null).await(30, TimeUnit.SECONDS);
      }
    }
    engine.vertx().eventBus().request(Addresses.SPIKES_TICK, null).await(30, TimeUnit.SECONDS);
    return sent / ((System.nanoTime() - t0) / 1e9);
  }

  private static final AtomicInteger IDS = new AtomicInteger();

  private static List<ErrorEvent> background(int n, long offset) {
    List<ErrorEvent> out = new ArrayList<>(n);
    Instant now = Instant.now();
    for (int i = 0; i < n; i++) {
      String type = "Background" + ((offset + i) % 20);
      out.add(event(type, "fp-" + type + "-" + ((offset + i) % 7), now));
    }
    return out;
  }

  private static List<ErrorEvent> errors(String type, int n, int variants) {
    List<ErrorEvent> out = new ArrayList<>(n);
    Instant now = Instant.now();
    for (int i = 0; i < n; i++) {
      out.add(event(type, "fp-" + type + "-" + (i % variants), now));
    }
    return out;
  }

  private static ErrorEvent event(String type, String fp, Instant at) {
    return new ErrorEvent("mcp", "bench-" + IDS.incrementAndGet(), "user-1", "conn-1", "tool", type, "E1", 500,
        "error", "boom", null, "{}", fp, at, at);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
