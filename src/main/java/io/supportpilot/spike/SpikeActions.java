package io.supportpilot.spike;

import io.micrometer.core.instrument.Counter;
import io.supportpilot.bus.SpikeChange;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out what the {@link SpikeLifecycle} decided: records a spike's start, updates and end in Postgres,
 * publishes each change, and has a newly recorded spike announced. Recording a start is asynchronous; its outcome
 * goes back to the lifecycle (open, failed, or lost to another instance, whose spike is then adopted). Runs on the
 * detector's event loop; nothing here blocks.
 */
final class SpikeActions {

  private static final Logger LOG = LoggerFactory.getLogger(SpikeActions.class);

  private final SpikeStore store;
  private final int sampleCount;
  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final SpikePublisher publisher;
  private final SpikeAnnouncer announcer;
  private final SpikeAdoption adoption;
  private final Clock clock;
  private final Counter opened;

  SpikeActions(SpikeStore store, int sampleCount, SpikeCounters counters, SpikeLifecycle lifecycle,
      SpikePublisher publisher, SpikeAnnouncer announcer, SpikeAdoption adoption, Clock clock, Counter opened) {
    this.store = store;
    this.sampleCount = sampleCount;
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.publisher = publisher;
    this.announcer = announcer;
    this.adoption = adoption;
    this.clock = clock;
    this.opened = opened;
  }

  /** Records a spike the lifecycle has just begun (state OPENING) with the counts of {@code w} at {@code now}. */
  void open(Spike s, SpikeWindow w, long now) {
    int hour = w.lastHour();
    int day = w.lastDay();
    store.samples(s.errorType, sampleCount)
        .compose(samples -> {
          s.samples = samples;
          return store.insert(s.id, s.errorType, hour, day, day / 24.0, SpikeRule.ratioOf(hour, day),
              Instant.ofEpochMilli(s.firstSeenAt), Instant.ofEpochMilli(now), samples);
        })
        .onComplete(ar -> recorded(s, hour, day, ar));
  }

  private void recorded(Spike s, int hour, int day, AsyncResult<Boolean> ar) {
    String type = s.errorType;
    if (!lifecycle.current(s)) {
      return; // the type was given up (partition revoked) meanwhile
    }
    if (ar.failed()) {
      LOG.warn("could not record the spike of {}: {}", type, ar.cause().getMessage());
      lifecycle.failed(s, clock.millis());
    } else if (!ar.result()) {
      // Another instance recorded an active spike for this type first: adopt it, announce nothing.
      lifecycle.lost(s);
      adoption.adopt(type::equals);
    } else {
      opened.increment();
      long t = clock.millis();
      SpikeWindow w = counters.type(type);
      lifecycle.opened(s, w, t);
      publisher.emit(SpikeChange.STARTED, s, w, t);
      announcer.announce(s, hour, day);
    }
  }

  /** Publishes and records an update the lifecycle found due. */
  void update(Spike s, SpikeWindow w, long now) {
    publisher.emit(SpikeChange.UPDATED, s, w, now);
    record(s, "updated", w, now)
        .onFailure(e -> LOG.warn("could not record the update of spike {}: {}", s.id, e.getMessage()));
  }

  /** Publishes and records the end of a spike the lifecycle has ended. */
  void close(Spike s, SpikeWindow w, long now) {
    publisher.emit(SpikeChange.ENDED, s, w, now);
    record(s, "ended", w, now)
        .onFailure(e -> LOG.warn("could not record the end of spike {}: {}", s.id, e.getMessage()));
  }

  private Future<Void> record(Spike s, String event, SpikeWindow w, long now) {
    int hour = w == null ? 0 : w.lastHour();
    int day = w == null ? 0 : w.lastDay();
    return store.update(s.id, event, hour, day, day / 24.0, SpikeRule.ratioOf(hour, day), Instant.ofEpochMilli(now));
  }
}
