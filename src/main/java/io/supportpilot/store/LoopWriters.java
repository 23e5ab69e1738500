package io.supportpilot.store;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group-commit writer per event loop that submits errors (the HTTP instances' loops), called directly: no
 * event-bus request, no reply timer, no thread hop. A writer is bound to the first loop that asks for one and its
 * connections are opened from that loop. Its pool comes from a fixed set built at start-up (outside any verticle,
 * so the HTTP verticles' shutdown cannot close it); a loop beyond that set gets no direct writer and its caller
 * falls back to the event bus. Dedupe across writers is Postgres' unique {@code (source, event_id)}; the in-flight
 * bound is one counter for all writers ({@link ErrorEventWriter.Settings}).
 */
public final class LoopWriters {

  private static final Logger LOG = LoggerFactory.getLogger(LoopWriters.class);

  private final Vertx vertx;
  private final ErrorEventWriter.Settings settings;
  private final MeterRegistry registry;
  private final List<Pool> pools;
  private final Map<Thread, ErrorEventWriter> byLoop = new ConcurrentHashMap<>();
  private final List<ErrorEventWriter> writers = new ArrayList<>();
  /** When Postgres last answered any of these writers: a slow statement of one is not a frozen store. */
  private final AtomicLong lastAnswer = new AtomicLong(
      System.nanoTime());
  private boolean stopped;

  /**
   * Up to {@code pools.size()} direct writers; each pool (built by the caller outside any verticle, no connection is
   * opened before a write) is taken by the first loop that needs a writer.
   */
  public LoopWriters(Vertx vertx, ErrorEventWriter.Settings settings, MeterRegistry registry,
      List<Pool> pools) {
    this.vertx = vertx;
    this.settings = settings;
    this.registry = registry;
    this.pools = List.copyOf(pools);
  }

  /**
   * The writer of the calling event loop, created on its first call; null when not called on an event loop, when
   * every pool is taken by other loops, or after {@link #stop()} (the caller then uses the event bus).
   */
  public ErrorEventWriter current() {
    Thread t = Thread.currentThread();
    ErrorEventWriter w = byLoop.get(t);
    if (w != null) {
      return w;
    }
    ContextInternal c = (ContextInternal) Vertx.currentContext();
    if (c == null || !c.isEventLoopContext() || !c.inThread()) {
      return null;
    }
    synchronized (this) {
      if (stopped || writers.size() >= pools.size()) {
        return null;
      }
      Pool pool = pools.get(writers.size());
      w = ErrorEventWriter.direct(vertx, c.nettyEventLoop(), pool, settings, registry, lastAnswer);
      writers.add(w);
      byLoop.put(t, w);
      LOG.info("error writer {} serves event loop {} directly", writers.size(), t.getName());
      return w;
    }
  }

  /** How many loops have a direct writer. */
  public synchronized int size() {
    return writers.size();
  }

  /** Writes what is queued, waits for the statements in flight, then closes the writers' pools. */
  public Future<Void> stop() {
    List<ErrorEventWriter> ws;
    synchronized (this) {
      stopped = true;
      ws = List.copyOf(writers);
    }
    List<Future<Void>> drains = new ArrayList<>();
    for (ErrorEventWriter w : ws) {
      drains.add(w.stopDirect());
    }
    return Future.join(drains).transform(ar -> {
      List<Future<Void>> closes = new ArrayList<>();
      for (Pool p : pools) {
        closes.add(p.close());
      }
      return Future.join(closes).<Void>mapEmpty();
    });
  }
}
