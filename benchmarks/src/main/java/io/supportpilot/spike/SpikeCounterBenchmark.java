package io.supportpilot.spike;

import io.supportpilot.bench.BenchmarkBase;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The spike detector's per-event work: count one error in its type's and its fingerprint's sliding windows and
 * evaluate the plan's rule, over {@code keys} live error types (each with 4 fingerprints), cycling through them
 * so the hash-map lookups miss the CPU cache as they would under real traffic. Target: well under 1 µs.
 */
@State(Scope.Thread)
public class SpikeCounterBenchmark extends BenchmarkBase {

  @Param({"1000", "50000"})
  public int keys;

  @Param({"true", "false"})
  public boolean fingerprints;

  private SpikeCounters counters;
  private final SpikeRule rule = new SpikeRule(5, 3.0);
  private String[] types;
  private String[] fps;
  private long minute;
  private int i;

  @Setup
  public void setup() {
    counters = new SpikeCounters(10_000_000, fingerprints);
    types = new String[keys * 4];
    fps = new String[keys * 4];
    minute = System.currentTimeMillis() / 60_000;
    for (int k = 0; k < types.length; k++) {
      types[k] = "ExactOnlineError" + (k / 4);
      fps[k] = String.format("%016x%016x", k * 0x9E3779B97F4A7C15L, k);
      counters.add(types[k], fps[k], minute - (k % 1440), 1, minute);
    }
    // Fisher-Yates with a fixed seed: a random but repeatable visiting order.
    java.util.Random r = new java.util.Random(42);
    for (int k = types.length - 1; k > 0; k--) {
      int j = r.nextInt(k + 1);
      String t = types[k];
      types[k] = types[j];
      types[j] = t;
      String f = fps[k];
      fps[k] = fps[j];
      fps[j] = f;
    }
  }

  /** One event: two window updates (type, fingerprint) and the rule. */
  @Benchmark
  public boolean countAndEvaluate() {
    int k = i++;
    if (i == types.length) {
      i = 0;
    }
    SpikeWindow w = counters.add(types[k], fps[k], minute, 1, minute);
    return rule.holds(w);
  }
}
