package io.supportpilot.spike;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.bus.ErrorEvent;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link PartitionOwnership} on its own: which types are counted, held and released, without Vert.x or Kafka. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SpikePartitionOwnershipTest {

  private static final int PARTITIONS = 4;

  private static ErrorEvent event(String type, String id) {
    Instant at = Instant.parse("2026-11-25T10:00:00Z");
    return new ErrorEvent("mcp", id, "u", "c", "tool", type, "E", 500, "error", "m", "s", "{}", "fp", at, at);
  }

  /** A type of the given partition. */
  private static String typeOf(int partition) {
    for (int i = 0; ; i++) {
      if (PartitionOwnership.partitionOf("Type" + i, PARTITIONS) == partition) {
        return "Type" + i;
      }
    }
  }

  @Test
  void embeddedModeOwnsEverythingAndHoldsUntilReady() {
    PartitionOwnership o = new PartitionOwnership(false);
    assertTrue(o.owns("AnyError"));
    assertTrue(o.underRebuild("AnyError"), "held until the start-up rebuild is done");
    o.ready();
    assertFalse(o.underRebuild("AnyError"));
  }

  @Test
  void scaledModeCountsTheTypesOfItsPartitionsAndHoldsThemWhileTheyRebuild() {
    // Verifies: nothing is owned before an assignment; claimed partitions are owned and rebuilding (their events
    // held); a second claim of the same partitions is empty; after the rebuild the types are counted.
    PartitionOwnership o = new PartitionOwnership(true);
    o.ready();
    String a = typeOf(0);
    String b = typeOf(1);
    assertFalse(o.owns(a), "nothing before an assignment");
    assertTrue(o.recount(PARTITIONS));
    assertFalse(o.recount(PARTITIONS), "the same count changes nothing");
    Set<Integer> fresh = o.claim(List.of(0, 2));
    assertEquals(Set.of(0, 2), fresh);
    assertTrue(o.owns(a));
    assertFalse(o.owns(b));
    assertTrue(o.underRebuild(a));
    assertEquals(Set.of(), o.claim(List.of(0, 2)), "already owned");
    assertTrue(o.rebuilt(fresh), "still owned");
    assertFalse(o.underRebuild(a));
    assertEquals(Set.of(0, 2), Set.copyOf(o.owned()));
  }

  @Test
  void heldEventsAreReleasedOnceAndThoseTheRebuildCountedAreSkipped() {
    PartitionOwnership o = new PartitionOwnership(false);
    ErrorEvent x1 = event("X", "1");
    ErrorEvent x2 = event("X", "2");
    ErrorEvent y1 = event("Y", "1");
    o.hold(x1);
    o.hold(x2);
    o.hold(y1);
    Predicate<String> x = "X"::equals;
    assertEquals(List.of(x1, x2), o.held(x));
    assertEquals(List.of(x2), o.release(x, Set.of(SpikeStore.key(x1))), "x1 is in the rebuilt counts already");
    assertEquals(List.of(), o.release(x, Set.of()), "released once");
    assertEquals(List.of(y1), o.held(t -> true));
  }

  @Test
  void aRevocationOrANewPartitionCountGivesTypesUp() {
    // Verifies that revoked partitions are no longer owned or rebuilding and their held events are dropped, that a
    // rebuild finishing after its partitions were revoked reports them as gone, and that a new partition count
    // clears the ownership.
    PartitionOwnership o = new PartitionOwnership(true);
    o.ready();
    o.recount(PARTITIONS);
    String a = typeOf(0);
    String c = typeOf(2);
    Set<Integer> fresh = o.claim(List.of(0, 2));
    o.hold(event(a, "1"));
    o.hold(event(c, "2"));
    Predicate<String> theirs = o.revoke(List.of(0));
    assertTrue(theirs.test(a));
    assertFalse(theirs.test(c));
    assertFalse(o.owns(a));
    assertFalse(o.underRebuild(a));
    assertEquals(1, o.held(t -> true).size(), "the held events of the revoked partition are dropped");
    assertFalse(o.rebuilt(fresh), "partition 0 is no longer owned");
    assertTrue(o.owns(c));
    assertTrue(o.recount(8));
    assertEquals(8, o.partitionCount());
    assertTrue(o.owned().isEmpty(), "a new count starts over");
  }
}
