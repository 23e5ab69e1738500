package io.supportpilot.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SpikeWindowTest {

  // 2026-11-25T10:00Z in epoch minutes: the start of a clock hour.
  private static final long H10 = 1_795_600_800L / 60;

  @Test
  void lastHourSlidesByTheMinuteAndTheDayByTheHour() {
    // Verifies rotation: errors leave the last hour exactly 60 minutes later and the day window 24 clock hours later.
    SpikeWindow w = new SpikeWindow("T", H10 + 15);
    w.add(H10 + 15, 10);
    w.advance(H10 + 74);
    assertEquals(10, w.lastHour(), "minute 15 is still inside the hour at minute 74");
    w.advance(H10 + 75);
    assertEquals(0, w.lastHour(), "60 minutes later it has left the last hour");
    assertEquals(10, w.lastDay());
    w.add(H10 + 80, 3);
    assertEquals(3, w.lastHour());
    assertEquals(13, w.lastDay());
    w.advance(H10 + 23 * 60 + 59);
    assertEquals(13, w.lastDay(), "hour 10 is the oldest of the 24 hour buckets until 09:59 the next day");
    w.advance(H10 + 24 * 60);
    assertEquals(3, w.lastDay(), "the 10:00 bucket expires at 10:00 the next day");
    assertFalse(w.quiet());
    w.advance(H10 + 25 * 60);
    assertEquals(0, w.lastDay(), "and the 11:00 bucket at 11:00");
    assertTrue(w.quiet());
  }

  @Test
  void daysPassingEmptyTheWindowAndItCanBeEvicted() {
    // Verifies that a long gap (three days) zeroes every bucket and the window reports quiet.
    SpikeWindow w = new SpikeWindow("T", H10);
    for (int m = 0; m < 300; m++) {
      w.add(H10 + m, 2);
    }
    assertEquals(120, w.lastHour());
    assertEquals(600, w.lastDay());
    w.advance(H10 + 3 * 24 * 60);
    assertEquals(0, w.lastHour());
    assertEquals(0, w.lastDay());
    assertTrue(w.quiet());
    w.add(H10 + 3 * 24 * 60, 1);
    assertEquals(1, w.lastHour());
    assertEquals(1, w.lastDay());
  }

  @Test
  void pastErrorsLandInTheRightBucketWhenRebuilding() {
    // Verifies add() with an older minute: inside the hour it counts for both, older only for the day, beyond 24 h never.
    long now = H10 + 30;
    SpikeWindow w = new SpikeWindow("T", now);
    w.add(now - 10, 4);
    w.add(now - 59, 1);
    w.add(now - 60, 2);
    w.add(now - 5 * 60, 8);
    w.add(now - 30 - 23 * 60, 16);
    w.add(now - 30 - 24 * 60, 32);
    assertEquals(5, w.lastHour());
    assertEquals(31, w.lastDay());
    assertEquals(now - 30 - 23 * 60, w.firstSeenMinute());
  }

  @Test
  void thePlansBoundaryCases() {
    // Verifies the rule: exactly 5 is no spike, 6 of a brand-new type is, a ratio of exactly 3 is not, a steady rate is not.
    SpikeRule rule = new SpikeRule(5, 3.0);
    assertFalse(rule.holds(5, 5), "exactly 5 in the last hour");
    assertTrue(rule.holds(6, 6), "a brand-new type with 6: ratio 24");
    assertEquals(24.0, SpikeRule.ratioOf(6, 6));
    assertFalse(rule.holds(30, 240), "30 against 240/24 = 10 per hour: ratio exactly 3");
    assertEquals(3.0, SpikeRule.ratioOf(30, 240));
    assertTrue(rule.holds(31, 241), "one more error in the last hour tips it over");
    assertFalse(rule.holds(100, 2400), "a steady 100 per hour for a day: ratio 1");
    assertFalse(rule.holds(6, 100), "above 5 but below three times normal");
    SpikeRule strict = new SpikeRule(10, 5.0);
    assertFalse(strict.holds(10, 10));
    assertTrue(strict.holds(11, 11));
  }

  @Test
  void countersEvictQuietKeysAndRefuseKeysBeyondTheLimit() {
    // Verifies eviction of keys with nothing left in 24 h, the key limit, and dropping the types of a partition.
    SpikeCounters c = new SpikeCounters(4, true);
    assertNotNull(c.add("A", "fa", H10, 1));
    assertNotNull(c.add("B", "fb", H10, 1));
    assertEquals(4, c.size());
    assertNull(c.add("C", "fc", H10, 1), "a fifth key is refused");
    assertEquals(2, c.refusedKeys(), "the type and its fingerprint");
    c.add("A", "fa", H10 + 20 * 60, 1);
    assertEquals(0, c.rotate(H10 + 23 * 60 + 59), "everything is younger than 24 h");
    assertEquals(2, c.rotate(H10 + 24 * 60), "B and its fingerprint expire; A has an error at 06:00 the next day");
    assertNull(c.type("B"), "B went quiet and was evicted");
    assertNotNull(c.type("A"));
    c.drop("A"::equals);
    assertEquals(0, c.size());
  }
}
