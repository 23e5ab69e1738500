package io.supportpilot.spike;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The in-memory sliding windows of every active error type and fingerprint. Updates are O(1) per event;
 * {@link #rotate} moves every window to the clock's minute and evicts keys with nothing left in 24 hours.
 * At most {@code maxKeys} keys are tracked: beyond that, new keys are refused (counted in
 * {@link #refusedKeys()}) rather than growing without bound. Not thread-safe: owned by one verticle, except
 * {@link #trackedKeys()}, which any thread may read.
 */
final class SpikeCounters {

  private final Map<String, SpikeWindow> types = new HashMap<>();
  private final Map<String, SpikeWindow> fingerprints = new HashMap<>();
  private final int maxKeys;
  private final boolean trackFingerprints;
  private long refusedKeys;
  private volatile int trackedKeys;

  SpikeCounters(int maxKeys, boolean trackFingerprints) {
    this.maxKeys = maxKeys;
    this.trackFingerprints = trackFingerprints;
  }

  /**
   * Counts {@code n} errors of a type (and fingerprint, may be null) in epoch minute {@code minute}; returns
   * the type's window, or null when the key limit refused a new type.
   */
  SpikeWindow add(String errorType, String fingerprint, long minute, int n) {
    return add(errorType, fingerprint, minute, n, minute);
  }

  /** As {@link #add(String, String, long, int)}, creating new windows at {@code nowMinute} (rebuilding the past). */
  SpikeWindow add(String errorType, String fingerprint, long minute, int n, long nowMinute) {
    SpikeWindow w = window(types, errorType, errorType, nowMinute);
    if (w != null) {
      w.add(minute, n);
    }
    if (trackFingerprints && fingerprint != null) {
      SpikeWindow f = window(fingerprints, fingerprint, errorType, nowMinute);
      if (f != null) {
        f.add(minute, n);
      }
    }
    return w;
  }

  private SpikeWindow window(Map<String, SpikeWindow> map, String key, String errorType, long minute) {
    SpikeWindow w = map.get(key);
    if (w == null) {
      if (size() >= maxKeys) {
        refusedKeys++;
        return null;
      }
      w = new SpikeWindow(errorType, minute);
      map.put(key, w);
    }
    return w;
  }

  /** The window of an error type, or null when it is not tracked. */
  SpikeWindow type(String errorType) {
    return types.get(errorType);
  }

  /** Moves every window to {@code nowMinute} and evicts the quiet ones; returns how many were evicted. */
  int rotate(long nowMinute) {
    return rotate(types, nowMinute) + rotate(fingerprints, nowMinute);
  }

  private static int rotate(Map<String, SpikeWindow> map, long nowMinute) {
    int evicted = 0;
    for (Iterator<SpikeWindow> it = map.values().iterator(); it.hasNext(); ) {
      SpikeWindow w = it.next();
      w.advance(nowMinute);
      if (w.quiet()) {
        it.remove();
        evicted++;
      }
    }
    return evicted;
  }

  /** Forgets every key of the error types that match (a revoked partition). */
  void drop(Predicate<String> errorTypes) {
    types.keySet().removeIf(errorTypes);
    fingerprints.values().removeIf(w -> errorTypes.test(w.errorType));
  }

  /** The busiest fingerprints of an error type in the last hour, at most {@code limit}; a scan of all fingerprints. */
  List<Map.Entry<String, SpikeWindow>> topFingerprints(String errorType, int limit) {
    List<Map.Entry<String, SpikeWindow>> out = new ArrayList<>();
    for (Map.Entry<String, SpikeWindow> e : fingerprints.entrySet()) {
      if (e.getValue().errorType.equals(errorType) && e.getValue().lastHour() > 0) {
        out.add(e);
      }
    }
    out.sort(Comparator.comparingInt((Map.Entry<String, SpikeWindow> e) -> e.getValue().lastHour()).reversed());
    return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }

  /** The error types that match, with their windows (a copy: safe to open spikes while iterating). */
  List<Map.Entry<String, SpikeWindow>> typesMatching(Predicate<String> errorTypes) {
    List<Map.Entry<String, SpikeWindow>> out = new ArrayList<>();
    for (Map.Entry<String, SpikeWindow> e : types.entrySet()) {
      if (errorTypes.test(e.getKey())) {
        out.add(Map.entry(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  /** The busiest error types in the last hour, at most {@code limit}. */
  List<Map.Entry<String, SpikeWindow>> topTypes(int limit) {
    List<Map.Entry<String, SpikeWindow>> out = new ArrayList<>(types.entrySet());
    out.sort(Comparator.comparingInt((Map.Entry<String, SpikeWindow> e) -> e.getValue().lastHour()).reversed());
    return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
  }

  /** Tracked error types. */
  int typeCount() {
    return types.size();
  }

  /** Tracked fingerprints. */
  int fingerprintCount() {
    return fingerprints.size();
  }

  /** All tracked keys. */
  int size() {
    return types.size() + fingerprints.size();
  }

  /** The owner records the current key count for readers on other threads ({@link #trackedKeys()}). */
  void publishSize() {
    trackedKeys = size();
  }

  /** Tracked keys as of the owner's last {@link #publishSize()}, for a gauge; safe from any thread. */
  int trackedKeys() {
    return trackedKeys;
  }

  /** New keys refused because {@code maxKeys} was reached, since start. */
  long refusedKeys() {
    return refusedKeys;
  }
}
