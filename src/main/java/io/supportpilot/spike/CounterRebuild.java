package io.supportpilot.spike;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.PartitionsAssigned;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the windows of the types this instance has just become responsible for (all of them at start in
 * embedded mode; those of newly assigned partitions in scaled mode) from the last 24 hours of
 * {@code support_error_log}, adopts their active spikes, counts the events held meanwhile that the rebuild did
 * not already include, and opens the spikes of rebuilt windows that hold the rule. On a revocation it drops the
 * windows and spikes of the partitions given up (the spikes stay active in Postgres for the new owner). Runs on
 * the detector's event loop; the Postgres reads are asynchronous.
 */
final class CounterRebuild {

  private static final Logger LOG = LoggerFactory.getLogger(CounterRebuild.class);

  private final SpikeStore store;
  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final PartitionOwnership ownership;
  private final SpikeAdoption adoption;
  private final SpikeCounting counting;
  private final SpikePublisher publisher;
  private final Clock clock;

  CounterRebuild(SpikeStore store, SpikeCounters counters, SpikeLifecycle lifecycle, PartitionOwnership ownership,
      SpikeAdoption adoption, SpikeCounting counting, SpikePublisher publisher, Clock clock) {
    this.store = store;
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.ownership = ownership;
    this.adoption = adoption;
    this.counting = counting;
    this.publisher = publisher;
    this.clock = clock;
  }

  /**
   * At start: embedded mode rebuilds every type before counting (a failure fails the start); scaled mode owns
   * nothing until the Kafka consumer reports its partitions.
   */
  Future<Void> start() {
    if (ownership.scaled()) {
      ownership.ready();
      return Future.succeededFuture();
    }
    Predicate<String> all = t -> true;
    return rebuildAndAdopt(all).onSuccess(counted -> {
      ownership.ready();
      catchUp(all, counted);
    }).mapEmpty();
  }

  /** Scaled mode: rebuilds the types of the partitions not owned yet. */
  void assigned(PartitionsAssigned p) {
    if (!ownership.scaled()) {
      return;
    }
    if (ownership.recount(p.partitionCount())) {
      // A different partition count changes every type's partition: start over.
      counters.drop(t -> true);
      lifecycle.drop(t -> true);
    }
    Set<Integer> fresh = ownership.claim(p.partitions());
    if (fresh.isEmpty()) {
      return;
    }
    Predicate<String> mine = ownership.typesOf(fresh);
    LOG.info("partitions {} of {} assigned: rebuilding their spike windows", fresh, ownership.partitionCount());
    rebuildAndAdopt(mine).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("rebuilding the spike windows of partitions {} failed: {}", fresh, ar.cause().getMessage());
      }
      if (ownership.rebuilt(fresh)) {
        catchUp(mine, ar.succeeded() ? ar.result() : Set.of());
      }
    });
  }

  /** Scaled mode: forgets the windows, spikes and held events of the partitions given up. */
  void revoked(PartitionsAssigned p) {
    if (!ownership.scaled()) {
      return;
    }
    Predicate<String> theirs = ownership.revoke(p.partitions());
    counters.drop(theirs);
    // Spikes stay active in Postgres: the new owner adopts them.
    lifecycle.drop(theirs);
    counters.publishSize();
    publisher.publishOpen();
    LOG.info("partitions {} revoked: their spike windows are dropped", p.partitions());
  }

  private Future<Set<String>> rebuildAndAdopt(Predicate<String> types) {
    return rebuild(types).compose(counted -> adoption.adopt(types).map(counted));
  }

  /** Counts the held events the rebuild did not include, then opens the spikes the rebuilt windows call for. */
  private void catchUp(Predicate<String> types, Set<String> alreadyCounted) {
    List<ErrorEvent> replay = ownership.release(types, alreadyCounted);
    if (!replay.isEmpty()) {
      counting.count(replay);
    }
    counting.openHolding(types);
  }

  /**
   * Rebuilds the windows of the matching types from the error log; returns the keys of held events that the
   * rebuild already counted (they must not be replayed).
   */
  private Future<Set<String>> rebuild(Predicate<String> types) {
    Instant now = clock.instant();
    long nowMinute = now.toEpochMilli() / 60_000;
    Instant since = Instant.ofEpochSecond((nowMinute / 60 - (SpikeWindow.HOURS - 1)) * 3600);
    long t0 = System.nanoTime();
    Supplier<List<ErrorEvent>> held = () -> ownership.held(types);
    return store.snapshot(now, since, held).map(snapshot -> {
      int n = 0;
      for (SpikeStore.BucketRow r : snapshot.rows()) {
        if (types.test(r.errorType())) {
          counters.add(r.errorType(), r.fingerprint(), r.minute(), r.count(), nowMinute);
          n += r.count();
        }
      }
      counters.rotate(nowMinute);
      counters.publishSize();
      LOG.info("spike windows rebuilt from {} errors of the last 24 h in {} ms ({} types, {} fingerprints)", n,
          (System.nanoTime() - t0) / 1_000_000, counters.typeCount(), counters.fingerprintCount());
      return snapshot.storedKeys();
    });
  }
}
