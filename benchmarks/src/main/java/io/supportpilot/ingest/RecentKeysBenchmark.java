package io.supportpilot.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.supportpilot.bench.BenchmarkBase;
import io.supportpilot.bus.EventKey;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The recent-event memory of the webhook routes at its bound (200,000, the default), per new event: a lookup that
 * misses and the add that makes room. {@link RecentKeys} (since 3 Dec) against the Caffeine bounded cache it replaced,
 * configured as the engine had it. Keys are built per operation from fresh copies of the id strings, as the engine
 * builds them per event; ids cycle through 1,000,000, so every lookup misses.
 */
@State(Scope.Thread)
public class RecentKeysBenchmark extends BenchmarkBase {

  private static final int CAPACITY = 200_000;
  private static final int IDS = 1 << 20;
  private final RecentKeys<EventKey> ring = new RecentKeys<>(CAPACITY);
  private final Cache<EventKey, Boolean> caffeine = Caffeine.newBuilder().maximumSize(CAPACITY)
      .executor(Runnable::run).build();
  private String[] ids;
  private int i;

  @Setup(Level.Trial)
  public void setUp() {
    ids = new String[IDS];
    for (int k = 0; k < IDS; k++) {
      ids[k] = "evt-" + Integer.toHexString(k * 0x9E3779B1) + "-4f2a-9c1d-" + k;
    }
    for (int k = 0; k < CAPACITY; k++) {
      ring.add(new EventKey("mcp", "warm-" + k));
      caffeine.put(new EventKey("mcp", "warm-" + k), Boolean.TRUE);
    }
  }

  @Benchmark
  public boolean recentKeys() {
    EventKey key = new EventKey("mcp", new String(ids[i++ & (IDS - 1)]));
    boolean seen = ring.contains(key);
    ring.add(key);
    return seen;
  }

  @Benchmark
  public boolean caffeineBounded() {
    EventKey key = new EventKey("mcp", new String(ids[i++ & (IDS - 1)]));
    boolean seen = caffeine.getIfPresent(key) != null;
    caffeine.put(key, Boolean.TRUE);
    return seen;
  }
}
