package io.supportpilot.spike;

import io.micrometer.core.instrument.Counter;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.SpikeChange;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber of {@code GET /api/admin/spikes/stream}: a hand-written {@code text/event-stream} on the
 * HTTP event loop that accepted it. On connect it sends the {@code retry} hint, then either the open spikes
 * ({@code spike.active}, without ids) or, with {@code Last-Event-ID}, the buffered changes after that id
 * (the open spikes again when the id is no longer buffered); then live changes and heartbeat comments. A
 * subscriber whose unsent bytes pass the write-queue limit is disconnected at once: nothing ever waits for it.
 */
final class SpikeStream {

  private static final Logger LOG = LoggerFactory.getLogger(SpikeStream.class);
  private static final Buffer HEARTBEAT = Buffer.buffer(": heartbeat\n\n");

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final SpikeFeed feed;
  private final Counter dropped;
  private LoopHub hub;
  private long heartbeat = -1;
  private long lastSent = Long.MIN_VALUE;
  private boolean closed;

  private SpikeStream(RoutingContext rc, SpikeFeed feed, Counter dropped) {
    this.vertx = rc.vertx();
    this.request = rc.request();
    this.response = rc.response();
    this.feed = feed;
    this.dropped = dropped;
  }

  /** Handles a stream request: validates {@code Last-Event-ID}, enforces the subscriber limit, starts streaming. */
  static void handle(RoutingContext rc, SpikeFeed feed, SpikesConfig config, Counter dropped) {
    String raw = rc.request().getHeader("Last-Event-ID");
    if (raw == null) {
      raw = rc.request().getParam("lastEventId");
    }
    Long lastId = null;
    if (raw != null && !raw.isBlank()) {
      try {
        lastId = Long.parseLong(raw.trim());
      } catch (NumberFormatException e) {
        rc.fail(HttpFailure.badRequest("Last-Event-ID must be an event id from this stream (a whole number)"));
        return;
      }
    }
    if (feed.subscribers().incrementAndGet() > config.streamMaxSubscribers()) {
      feed.subscribers().decrementAndGet();
      rc.fail(HttpFailure.unavailable("the spike stream has its maximum of " + config.streamMaxSubscribers()
          + " subscribers", 5));
      return;
    }
    new SpikeStream(rc, feed, dropped).start(lastId, config);
  }

  private void start(Long lastId, SpikesConfig config) {
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache, no-store")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(config.streamWriteQueueBytes());
    response.closeHandler(v -> cleanup());
    response.exceptionHandler(e -> cleanup());
    request.connection().shutdownHandler(v -> {
      // The server is stopping: end the stream so the shutdown does not wait for the grace period.
      cleanup();
      if (!response.ended()) {
        response.end();
      }
    });
    // Subscribe first, then read the buffer: a change published in between arrives twice and is skipped by id.
    hub = LoopHub.of(vertx, feed);
    hub.streams.add(this);
    Buffer first = Buffer.buffer()
        .appendString("retry: " + config.streamRetry().toMillis() + "\n: supportpilot spike stream\n\n");
    long newest = feed.newestId();
    long oldest = feed.oldestId();
    if (lastId == null) {
      snapshot(first, newest);
    } else if (oldest < 0 || lastId < oldest - 1 || lastId > newest) {
      first.appendString(": event " + lastId + " is no longer buffered; here are the open spikes\n\n");
      snapshot(first, newest);
    } else {
      lastSent = lastId;
      for (SpikeChange c : feed.after(lastId).values()) {
        first.appendBuffer(c.frame());
        lastSent = c.id();
      }
    }
    response.writeHead();
    write(first);
    long every = config.streamHeartbeat().toMillis();
    heartbeat = vertx.setPeriodic(every, every, id -> write(HEARTBEAT));
  }

  private void snapshot(Buffer out, long newest) {
    // Read after the newest id: the detector updates the snapshot before it numbers a change, so the snapshot
    // includes every change up to 'newest'; later ones arrive live.
    for (SpikeFeed.Open o : feed.openSpikes()) {
      out.appendString("event: " + SpikeChange.ACTIVE + "\ndata: " + o.json() + "\n\n");
    }
    lastSent = newest;
  }

  void deliver(SpikeChange c) {
    if (closed || c.id() <= lastSent) {
      return;
    }
    lastSent = c.id();
    write(c.frame());
  }

  private void write(Buffer s) {
    if (closed) {
      return;
    }
    if (response.writeQueueFull()) {
      dropped.increment();
      LOG.info("dropping a slow spike-stream subscriber from {}", request.remoteAddress());
      cleanup();
      request.connection().close();
      return;
    }
    response.write(s);
  }

  private void cleanup() {
    if (closed) {
      return;
    }
    closed = true;
    feed.subscribers().decrementAndGet();
    if (heartbeat >= 0) {
      vertx.cancelTimer(heartbeat);
    }
    if (hub != null) {
      hub.streams.remove(this);
    }
  }

  /**
   * The subscribers of one HTTP event loop behind one event-bus consumer: the detector publishes each change once
   * per event loop, not once per subscriber, and the fan-out runs on the subscribers' own event loop.
   */
  static final class LoopHub {

    final List<SpikeStream> streams = new ArrayList<>();

    private LoopHub() {
    }

    /** The hub of the calling event loop, created (and subscribed) on first use. */
    static LoopHub of(Vertx vertx, SpikeFeed feed) {
      Context ctx = vertx.getOrCreateContext();
      return feed.hubs().computeIfAbsent(ctx, c -> {
        LoopHub hub = new LoopHub();
        vertx.eventBus().<SpikeChange>localConsumer(Addresses.SPIKES, m -> {
          // copy: a slow subscriber may be dropped (and removed) during the loop
          for (SpikeStream s : hub.streams.toArray(new SpikeStream[0])) {
            s.deliver(m.body());
          }
        });
        return hub;
      });
    }
  }
}
