package io.supportpilot.spike;

import io.supportpilot.bus.ErrorEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Drives the counters and the lifecycle: counts each stored error of an owned type in O(1) (holding it while its
 * type is rebuilt), applies the rule to the type after each event, sends the throttled updates once per batch,
 * and on each tick rotates the windows by the clock and lets the lifecycle update or end the open spikes. What
 * the lifecycle decides is carried out by {@link SpikeActions}. Runs on the detector's event loop.
 */
final class SpikeCounting {

  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final SpikeActions actions;
  private final PartitionOwnership ownership;
  private final Clock clock;
  private long lastRotatedMinute = -1;

  SpikeCounting(SpikeCounters counters, SpikeLifecycle lifecycle, SpikeActions actions, PartitionOwnership ownership,
      Clock clock) {
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.actions = actions;
    this.ownership = ownership;
    this.clock = clock;
  }

  /** Counts a batch of stored errors. */
  void count(List<ErrorEvent> events) {
    long now = clock.millis();
    List<Spike> held = new ArrayList<>(2);
    for (ErrorEvent e : events) {
      Spike s = count(e, now);
      if (s != null && !held.contains(s)) {
        held.add(s);
      }
    }
    // Throttled updates go out once per batch, with the counts after the whole batch.
    for (Spike s : held) {
      SpikeWindow w = counters.type(s.errorType);
      if (lifecycle.current(s) && lifecycle.updateDue(s, w, now)) {
        actions.update(s, w, now);
      }
    }
  }

  /** Counts one error; returns its type's open spike when the rule still holds for it. */
  private Spike count(ErrorEvent e, long now) {
    String type = e.errorType();
    if (type == null || !ownership.owns(type)) {
      return null;
    }
    if (ownership.underRebuild(type)) {
      ownership.hold(e);
      return null;
    }
    long nowMinute = now / 60_000;
    // Counted in the minute it was received (as created_at, which a rebuild reads), never in the future.
    long minute = e.receivedAt() == null ? nowMinute : Math.min(nowMinute, e.receivedAt().toEpochMilli() / 60_000);
    SpikeWindow w = counters.add(type, e.fingerprint(), minute, 1, nowMinute);
    Spike s = w == null ? null : lifecycle.onCount(type, w, now);
    if (s != null && s.state == Spike.State.OPENING) {
      actions.open(s, w, now);
      return null;
    }
    return s;
  }

  /** After a rebuild: opens a spike for every matching type whose rebuilt window holds the rule and has none. */
  void openHolding(Predicate<String> types) {
    long now = clock.millis();
    for (Map.Entry<String, SpikeWindow> e : counters.typesMatching(types)) {
      Spike s = lifecycle.onRebuilt(e.getKey(), e.getValue(), now);
      if (s != null) {
        actions.open(s, e.getValue(), now);
      }
    }
  }

  /** Rotates the windows to the clock's minute and lets the lifecycle update or end each open spike. */
  void tick() {
    long now = clock.millis();
    long minute = now / 60_000;
    if (minute != lastRotatedMinute) {
      counters.rotate(minute);
      lastRotatedMinute = minute;
    }
    counters.publishSize();
    for (Spike s : lifecycle.open()) {
      SpikeWindow w = counters.type(s.errorType);
      if (w != null) {
        w.advance(minute);
      }
      switch (lifecycle.onTick(s, w, now)) {
        case UPDATE -> actions.update(s, w, now);
        case CLOSE -> actions.close(s, w, now);
        case NONE -> {
        }
      }
    }
  }
}
