package io.supportpilot.spike;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The spike lifecycle as a state machine: given a type's window and the time, it decides whether a spike opens,
 * is held, gets a throttled update or ends, and keeps the spikes (at most one per error type) with their state.
 * It performs nothing itself: {@link SpikeActions} records and publishes what it decided. Pure (no Vert.x, no
 * I/O, no clock of its own); not thread-safe: owned by the detector's event loop.
 */
final class SpikeLifecycle {

  /** How long a spike whose row could not be recorded blocks a new attempt for its type. */
  static final long RETRY_OPEN_MS = 5_000;

  /** What a tick decided for an open spike. */
  enum Step {
    /** Nothing to send. */
    NONE,
    /** Send an update (its time, peak and sent count are already recorded). */
    UPDATE,
    /** The spike has ended and is no longer tracked. */
    CLOSE
  }

  private final SpikeRule rule;
  private final long closeAfterMs;
  private final long updateIntervalMs;
  private final Supplier<String> ids;
  private final Map<String, Spike> spikes = new HashMap<>();

  /** A lifecycle applying {@code rule}, ending spikes after {@code closeAfter}, naming new spikes with {@code ids}. */
  SpikeLifecycle(SpikeRule rule, Duration closeAfter, Duration updateInterval, Supplier<String> ids) {
    this.rule = rule;
    this.closeAfterMs = closeAfter.toMillis();
    this.updateIntervalMs = updateInterval.toMillis();
    this.ids = ids;
  }

  /**
   * Applies the rule after an event of {@code type} was counted in {@code w}. Returns a new spike in state
   * {@link Spike.State#OPENING} (to be recorded) when the rule holds and the type has none; the type's open spike,
   * marked as held, when the rule holds for it; otherwise null. A failed spike is forgotten once the retry delay
   * has passed, so the rule can open a new one.
   */
  Spike onCount(String type, SpikeWindow w, long now) {
    Spike s = spikes.get(type);
    if (s != null && s.state == Spike.State.FAILED && now - s.failedAt >= RETRY_OPEN_MS) {
      spikes.remove(type);
      s = null;
    }
    if (!rule.holds(w)) {
      return null;
    }
    if (s == null) {
      return begin(type, w, now);
    }
    if (s.state == Spike.State.OPEN) {
      s.lastHeldAt = now;
      return s;
    }
    return null;
  }

  /** After a rebuild: a new spike (state OPENING) when the rebuilt window holds the rule and the type has none. */
  Spike onRebuilt(String type, SpikeWindow w, long now) {
    return !spikes.containsKey(type) && rule.holds(w) ? begin(type, w, now) : null;
  }

  private Spike begin(String type, SpikeWindow w, long now) {
    Spike s = new Spike(ids.get(), type);
    s.startedAt = now;
    s.lastHeldAt = now;
    s.firstSeenAt = w.firstSeenMinute() == Long.MAX_VALUE ? now : w.firstSeenMinute() * 60_000;
    s.peak = w.lastHour();
    spikes.put(type, s);
    return s;
  }

  /** True while {@code s} is still the tracked spike of its type (not ended, given up or replaced). */
  boolean current(Spike s) {
    return spikes.get(s.errorType) == s;
  }

  /** Its row was recorded at {@code now}: the spike is open, and its first change carries the count of {@code w}. */
  void opened(Spike s, SpikeWindow w, long now) {
    s.state = Spike.State.OPEN;
    s.lastUpdateAt = now;
    s.sentCount = hourOf(w);
  }

  /** Recording its row failed at {@code now}: the type is blocked for {@link #RETRY_OPEN_MS}. */
  void failed(Spike s, long now) {
    s.state = Spike.State.FAILED;
    s.failedAt = now;
  }

  /** Another instance recorded the type's active spike first: this one is forgotten (and the other adopted). */
  void lost(Spike s) {
    spikes.remove(s.errorType);
  }

  /**
   * Throttles updates: true (recording the update's time, peak and count) when the last-hour count of {@code w}
   * differs from the last one sent and at least the update interval has passed since the last change.
   */
  boolean updateDue(Spike s, SpikeWindow w, long now) {
    int hour = hourOf(w);
    if (hour == s.sentCount || now - s.lastUpdateAt < updateIntervalMs) {
      return false;
    }
    s.lastUpdateAt = now;
    s.peak = Math.max(s.peak, hour);
    s.sentCount = hour;
    return true;
  }

  /**
   * The clock's decision for an open spike whose (advanced) window is {@code w} (null when no longer tracked):
   * held and possibly updated while the rule holds; ended once it has not held for the close delay.
   */
  Step onTick(Spike s, SpikeWindow w, long now) {
    if (w != null && rule.holds(w)) {
      s.lastHeldAt = now;
    } else if (now - s.lastHeldAt >= closeAfterMs) {
      spikes.remove(s.errorType);
      return Step.CLOSE;
    }
    return updateDue(s, w, now) ? Step.UPDATE : Step.NONE;
  }

  /**
   * Takes over a spike that Postgres marks active, keeping its id, unless the type already has one; returns it
   * (open, held now when {@code w} holds the rule), or null.
   */
  Spike adopt(SpikeStore.ActiveRow r, SpikeWindow w, long now) {
    if (spikes.containsKey(r.errorType())) {
      return null;
    }
    Spike s = new Spike(r.id(), r.errorType());
    s.state = Spike.State.OPEN;
    s.startedAt = r.startedAt().toEpochMilli();
    s.lastHeldAt = r.lastUpdatedAt().toEpochMilli();
    s.lastUpdateAt = now;
    s.firstSeenAt = r.firstSeenAt() == null ? s.startedAt : r.firstSeenAt().toEpochMilli();
    s.peak = r.peak();
    s.samples = r.samples();
    s.patternId = r.patternId();
    s.taskId = r.taskId();
    if (w != null && rule.holds(w)) {
      s.lastHeldAt = now;
    }
    s.sentCount = hourOf(w);
    spikes.put(r.errorType(), s);
    return s;
  }

  /** Forgets (without ending) the spikes of the matching types: their partitions moved to another instance. */
  void drop(Predicate<String> types) {
    spikes.keySet().removeIf(types);
  }

  /** The open spikes (a copy: safe to end spikes while iterating). */
  List<Spike> open() {
    List<Spike> out = new ArrayList<>();
    for (Spike s : spikes.values()) {
      if (s.state == Spike.State.OPEN) {
        out.add(s);
      }
    }
    return out;
  }

  /** The views of the open spikes that have one, newest first: the snapshot for new subscribers. */
  List<SpikeFeed.Open> views() {
    List<Spike> open = new ArrayList<>();
    for (Spike s : spikes.values()) {
      if (s.state == Spike.State.OPEN && s.view != null) {
        open.add(s);
      }
    }
    open.sort(Comparator.comparingLong((Spike s) -> s.startedAt).reversed());
    return open.stream().map(s -> s.view).toList();
  }

  /** The id of the type's open spike, or null. */
  String openId(String type) {
    Spike s = spikes.get(type);
    return s != null && s.state == Spike.State.OPEN ? s.id : null;
  }

  /** Tracked spikes in any state. */
  int size() {
    return spikes.size();
  }

  private static int hourOf(SpikeWindow w) {
    return w == null ? 0 : w.lastHour();
  }
}
