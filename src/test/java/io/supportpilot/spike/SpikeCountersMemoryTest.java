package io.supportpilot.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpikeCountersMemoryTest {

  @Test
  void aHundredThousandKeysFitWellUnderOneHundredMegabytes() {
    // Verifies the memory bound by measurement: 50,000 error types with one fingerprint each (100,000 keys, every
    // bucket touched over 24 simulated hours) retain far less than 100 MB of heap.
    long start = 1_795_600_800L / 60;
    String[] types = new String[50_000];
    String[] fps = new String[50_000];
    for (int i = 0; i < types.length; i++) {
      types[i] = "ExactOnlineError" + i;
      fps[i] = String.format("%064x", i);
    }
    long before = usedHeap();
    SpikeCounters c = new SpikeCounters(1_000_000, true);
    for (int h = 0; h < 24; h++) {
      for (int i = 0; i < types.length; i++) {
        c.add(types[i], fps[i], start + h * 60 + (i % 60), 1);
      }
    }
    long after = usedHeap();
    assertEquals(100_000, c.size());
    long perKey = (after - before) / c.size();
    System.out.printf("spike counters: %d keys retain %.1f MB, %d bytes per key (estimate per window: %d)%n",
        c.size(), (after - before) / 1e6, perKey, SpikeWindow.BYTES_PER_WINDOW);
    assertTrue(after - before < 70_000_000L, "100,000 keys must stay well under 100 MB, used " + (after - before));
    assertTrue(c.type(types[7]).lastDay() > 0);
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
