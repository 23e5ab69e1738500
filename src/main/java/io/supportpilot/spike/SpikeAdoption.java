package io.supportpilot.spike;

import io.vertx.core.Future;
import java.time.Clock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the spikes that Postgres still marks active (after a restart, a partition handover, or when another
 * instance recorded a type's spike first), keeping their ids: they are not announced again and end normally.
 * Runs on the detector's event loop.
 */
final class SpikeAdoption {

  private static final Logger LOG = LoggerFactory.getLogger(SpikeAdoption.class);

  private final SpikeStore store;
  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final SpikePublisher publisher;
  private final Clock clock;

  SpikeAdoption(SpikeStore store, SpikeCounters counters, SpikeLifecycle lifecycle, SpikePublisher publisher,
      Clock clock) {
    this.store = store;
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.publisher = publisher;
    this.clock = clock;
  }

  /** Adopts the active spikes of the matching types that have no spike here, then republishes the snapshot. */
  Future<Void> adopt(Predicate<String> types) {
    return store.active().map(rows -> {
      long now = clock.millis();
      for (SpikeStore.ActiveRow r : rows) {
        if (types.test(r.errorType())) {
          adopt(r, now);
        }
      }
      publisher.publishOpen();
      return null;
    });
  }

  private void adopt(SpikeStore.ActiveRow r, long now) {
    SpikeWindow w = counters.type(r.errorType());
    Spike s = lifecycle.adopt(r, w, now);
    if (s != null) {
      publisher.adopted(s, w, r.startedAt(), now);
      LOG.info("adopted active spike {} of {}", s.id, s.errorType);
    }
  }
}
