package io.supportpilot.ingest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@code capacity} keys added, forgotten strictly oldest first: the engine's memory of recently stored
 * events, which answers a retry with 200 without a database trip. A ring of the keys in the order they were added,
 * beside a concurrent set; an add past the capacity removes the key added {@code capacity} adds before it. Safe to
 * use from several event loops at once (the HTTP verticle instances share one).
 *
 * <p>Not Caffeine's bounded cache, which this replaced: its admission policy (W-TinyLFU) keeps keys by how often they
 * are used, and an event id is used once, so under a steady stream of new events it kept the newest ~1 % of its size
 * (its admission window) and the oldest, and refused the rest: after 1,000,000 new ids a 200,000-entry cache held
 * 2,161 of the last 5,000 ids and 94,443 of the first 200,000 ({@code RecentKeysTest} asserts the opposite here).
 * Per new event both cost about the same ({@code RecentKeysBenchmark}).
 */
public final class RecentKeys<K> {

  private final Set<K> keys;
  private final AtomicReferenceArray<K> ring;
  private final AtomicLong added = new AtomicLong();

  /** Remembers at most {@code capacity} keys (at least 1). */
  public RecentKeys(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.keys = ConcurrentHashMap.newKeySet(capacity);
    this.ring = new AtomicReferenceArray<>(capacity);
  }

  /** Whether this key is among the last {@code capacity} added. */
  public boolean contains(K key) {
    return keys.contains(key);
  }

  /**
   * Remembers this key, forgetting the oldest once full. A key already remembered keeps its place (it is forgotten
   * as early as it would have been).
   */
  public void add(K key) {
    if (!keys.add(key)) {
      return;
    }
    int slot = (int) (added.getAndIncrement() % ring.length());
    K oldest = ring.getAndSet(slot, key);
    if (oldest != null && !oldest.equals(key)) {
      keys.remove(oldest);
    }
  }

  /** How many keys are remembered now. */
  public int size() {
    return keys.size();
  }
}
