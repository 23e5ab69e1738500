package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The recent-event memory keeps exactly the newest keys, in one thread and in several. */
class RecentKeysTest {

  @Test
  void aSteadyStreamOfNewKeysLeavesExactlyTheNewestRemembered() {
    // Verifies recency under the load that defeated the frequency-based cache it replaced: after 1,000,000 keys
    // each added once, the newest 200,000 are all remembered and none older.
    RecentKeys<String> recent = new RecentKeys<>(200_000);
    int n = 1_000_000;
    for (int i = 0; i < n; i++) {
      recent.add("mcp:" + i);
    }
    assertEquals(200_000, recent.size());
    for (int i = n - 200_000; i < n; i++) {
      assertTrue(recent.contains("mcp:" + i), "newest key " + i + " forgotten");
    }
    for (int i = 0; i < n - 200_000; i += 997) {
      assertFalse(recent.contains("mcp:" + i), "old key " + i + " still remembered");
    }
  }

  @Test
  void aKeyAddedAgainKeepsItsPlace() {
    // Verifies that adding a remembered key again neither duplicates it nor extends its life, and that the
    // capacity is exact.
    RecentKeys<String> recent = new RecentKeys<>(3);
    recent.add("a");
    recent.add("b");
    recent.add("a");
    recent.add("c");
    assertEquals(3, recent.size());
    recent.add("d");
    assertFalse(recent.contains("a"), "the oldest is forgotten first, re-added or not");
    assertTrue(recent.contains("b") && recent.contains("c") && recent.contains("d"));
    assertEquals(3, recent.size());
    assertThrows(IllegalArgumentException.class, () -> new RecentKeys<String>(0));
  }

  @Test
  void fourThreadsAddingAtOnceKeepExactlyTheNewestAcrossThem() throws Exception {
    // Verifies the concurrent case: four threads add 250,000 distinct keys each into 100,000 places. Afterwards the
    // set holds exactly the capacity, and what each thread still has remembered is a suffix of what it added (its
    // keys are forgotten in the order it added them), the suffixes together making up the capacity.
    RecentKeys<String> recent = new RecentKeys<>(100_000);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < 250_000; i++) {
          recent.add(id + ":" + i);
        }
      });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(100_000, recent.size());
    int remembered = 0;
    for (int t = 0; t < 4; t++) {
      int first = 250_000;
      while (first > 0 && recent.contains(t + ":" + (first - 1))) {
        first--;
      }
      for (int i = 0; i < first; i++) {
        assertFalse(recent.contains(t + ":" + i), "thread " + t + ": key " + i + " remembered, " + first + " not");
      }
      remembered += 250_000 - first;
    }
    assertEquals(100_000, remembered);
  }
}
