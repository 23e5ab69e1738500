package io.supportpilot.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lifecycle's decisions on their own: no Vert.x, no Postgres, time given as numbers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SpikeLifecycleTest {

  // 2026-11-25T10:00Z: the start of a clock hour.
  private static final long T0 = 1_795_600_800_000L;
  private static final long M0 = T0 / 60_000;
  private static final long CLOSE_AFTER = Duration.ofMinutes(15).toMillis();
  private static final long UPDATE_EVERY = Duration.ofSeconds(10).toMillis();

  private final AtomicInteger ids = new AtomicInteger();
  private final SpikeLifecycle lifecycle = new SpikeLifecycle(new SpikeRule(5, 3.0), Duration.ofMillis(CLOSE_AFTER),
      Duration.ofMillis(UPDATE_EVERY), () -> "spike-" + ids.incrementAndGet());

  private static SpikeWindow window(int lastHour) {
    SpikeWindow w = new SpikeWindow("T", M0);
    w.add(M0, lastHour);
    return w;
  }

  /** A spike of T opened at T0 with a window of {@code count}. */
  private Spike open(SpikeWindow w) {
    Spike s = lifecycle.onCount("T", w, T0);
    lifecycle.opened(s, w, T0);
    return s;
  }

  @Test
  void theRuleOpensOneSpikePerTypeAndAnOpenSpikeIsHeld() {
    // Verifies: 5 errors are no spike, the 6th opens one (OPENING, to be recorded), further events while it is
    // being recorded open nothing, and once open each event that keeps the rule holding marks it as held.
    assertNull(lifecycle.onCount("T", window(5), T0), "exactly 5 is not a spike");
    SpikeWindow w = window(6);
    Spike s = lifecycle.onCount("T", w, T0);
    assertNotNull(s);
    assertEquals(Spike.State.OPENING, s.state);
    assertEquals("spike-1", s.id);
    assertEquals(T0, s.startedAt);
    assertEquals(T0, s.firstSeenAt, "the window's first error, at the minute");
    assertEquals(6, s.peak);
    assertTrue(lifecycle.current(s));
    w.add(M0, 1);
    assertNull(lifecycle.onCount("T", w, T0 + 1), "being recorded: nothing more opens");
    assertNull(lifecycle.openId("T"), "not open before its row is recorded");

    lifecycle.opened(s, w, T0 + 2);
    assertEquals(Spike.State.OPEN, s.state);
    assertEquals(7, s.sentCount, "the started change carries the count at that time");
    assertEquals("spike-1", lifecycle.openId("T"));
    assertSame(s, lifecycle.onCount("T", w, T0 + 3), "held");
    assertEquals(T0 + 3, s.lastHeldAt);
    assertEquals(1, lifecycle.size());
  }

  @Test
  void aFailedRecordBlocksTheTypeUntilTheRetryDelay() {
    // Verifies that a spike whose row could not be recorded is retried only after RETRY_OPEN_MS, as a new spike.
    SpikeWindow w = window(10);
    Spike s = lifecycle.onCount("T", w, T0);
    lifecycle.failed(s, T0 + 100);
    assertNull(lifecycle.onCount("T", w, T0 + 100 + SpikeLifecycle.RETRY_OPEN_MS - 1));
    Spike retry = lifecycle.onCount("T", w, T0 + 100 + SpikeLifecycle.RETRY_OPEN_MS);
    assertNotNull(retry);
    assertEquals("spike-2", retry.id);
    assertFalse(lifecycle.current(s));
    assertTrue(lifecycle.current(retry));
  }

  @Test
  void aSpikeLostToAnotherInstanceIsForgotten() {
    Spike s = lifecycle.onCount("T", window(10), T0);
    lifecycle.lost(s);
    assertFalse(lifecycle.current(s));
    assertEquals(0, lifecycle.size());
  }

  @Test
  void updatesAreThrottledAndOnlyForAChangedCount() {
    // Verifies: no update before the interval, none when the last-hour count is the one last sent, and a due
    // update records its time, count and the peak.
    SpikeWindow w = window(6);
    Spike s = open(w);
    w.add(M0, 4);
    assertFalse(lifecycle.updateDue(s, w, T0 + UPDATE_EVERY - 1), "too soon");
    assertTrue(lifecycle.updateDue(s, w, T0 + UPDATE_EVERY));
    assertEquals(10, s.sentCount);
    assertEquals(10, s.peak);
    assertEquals(T0 + UPDATE_EVERY, s.lastUpdateAt);
    assertFalse(lifecycle.updateDue(s, w, T0 + 5 * UPDATE_EVERY), "the count did not change");
  }

  @Test
  void theClockHoldsUpdatesAndEndsASpike() {
    // Verifies the tick: while the rule holds the spike is held (and updated when due); once it has not held for
    // the close delay it ends and is no longer tracked; an untracked window (null) counts as zero.
    SpikeWindow w = window(6);
    Spike s = open(w);
    assertEquals(SpikeLifecycle.Step.NONE, lifecycle.onTick(s, w, T0 + UPDATE_EVERY), "holds, count unchanged");
    assertEquals(T0 + UPDATE_EVERY, s.lastHeldAt);
    w.add(M0, 3);
    assertEquals(SpikeLifecycle.Step.UPDATE, lifecycle.onTick(s, w, T0 + 2 * UPDATE_EVERY));
    w.advance(M0 + 60); // the last hour is empty: the rule no longer holds
    long heldAt = s.lastHeldAt;
    assertEquals(SpikeLifecycle.Step.UPDATE, lifecycle.onTick(s, w, heldAt + UPDATE_EVERY), "the drop to 0 is sent");
    assertEquals(0, s.sentCount);
    assertEquals(SpikeLifecycle.Step.NONE, lifecycle.onTick(s, w, heldAt + CLOSE_AFTER - 1));
    assertEquals(List.of(s), lifecycle.open());
    assertEquals(SpikeLifecycle.Step.CLOSE, lifecycle.onTick(s, null, heldAt + CLOSE_AFTER));
    assertFalse(lifecycle.current(s));
    assertTrue(lifecycle.open().isEmpty());
    assertNotNull(lifecycle.onCount("T", window(6), heldAt + CLOSE_AFTER + 1), "a later surge opens a new spike");
  }

  @Test
  void adoptionKeepsTheIdAndNeverReplacesATrackedSpike() {
    // Verifies that an active row is taken over open, with its id, times and links, held now when the rebuilt
    // window holds the rule, and that a type that already has a spike keeps it.
    Instant started = Instant.ofEpochMilli(T0 - 60_000);
    SpikeStore.ActiveRow row = new SpikeStore.ActiveRow("db-1", "T", started, started.plusSeconds(30), null, 9,
        new JsonArray().add("sample"), "pattern-1", "task-1");
    SpikeWindow w = window(8);
    Spike s = lifecycle.adopt(row, w, T0);
    assertNotNull(s);
    assertEquals("db-1", s.id);
    assertEquals(Spike.State.OPEN, s.state);
    assertEquals(started.toEpochMilli(), s.startedAt);
    assertEquals(started.toEpochMilli(), s.firstSeenAt, "no first_seen_at: the start");
    assertEquals(T0, s.lastHeldAt, "the rebuilt window holds the rule");
    assertEquals(8, s.sentCount);
    assertEquals("pattern-1", s.patternId);
    assertEquals("task-1", s.taskId);
    assertNull(lifecycle.adopt(row, w, T0), "already tracked");

    SpikeStore.ActiveRow quiet = new SpikeStore.ActiveRow("db-2", "Q", started, started.plusSeconds(30), started, 9,
        new JsonArray(), null, null);
    Spike q = lifecycle.adopt(quiet, null, T0);
    assertEquals(started.plusSeconds(30).toEpochMilli(), q.lastHeldAt, "not held: ends after the close delay");
    assertEquals(0, q.sentCount);
  }

  @Test
  void aRebuiltWindowOpensOnlyWhereNoSpikeIsTracked() {
    SpikeWindow w = window(8);
    assertNull(lifecycle.onRebuilt("T", window(5), T0), "the rule does not hold");
    Spike s = lifecycle.onRebuilt("T", w, T0);
    assertNotNull(s);
    assertNull(lifecycle.onRebuilt("T", w, T0), "already tracked");
    lifecycle.failed(s, T0);
    assertNull(lifecycle.onRebuilt("T", w, T0 + SpikeLifecycle.RETRY_OPEN_MS), "a failed spike still blocks it");
  }

  @Test
  void theSnapshotListsOpenSpikesWithAViewNewestFirstAndDroppedTypesLeave() {
    Spike a = open(window(6));
    SpikeWindow wb = new SpikeWindow("U", M0);
    wb.add(M0, 7);
    Spike b = lifecycle.onCount("U", wb, T0 + 1000);
    assertTrue(lifecycle.views().isEmpty(), "no view yet");
    lifecycle.opened(b, wb, T0 + 1000);
    SpikeFeed.Open va = new SpikeFeed.Open(null, "a");
    SpikeFeed.Open vb = new SpikeFeed.Open(null, "b");
    a.view = va;
    b.view = vb;
    assertEquals(List.of(vb, va), lifecycle.views());
    lifecycle.drop("U"::equals);
    assertEquals(List.of(va), lifecycle.views());
    assertNull(lifecycle.openId("U"));
    assertEquals(1, lifecycle.size());
  }
}
