package io.supportpilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** A rule window's slot: equal exactly when rule, user and fingerprint are (hand-written equals and hashCode). */
class FiringSlotTest {

  @Test
  void equalByAllThreeFields() {
    Firing.Slot a = new Firing.Slot("r1", "u1", new String("fp"));
    Firing.Slot b = new Firing.Slot(new String("r1"), new String("u1"), "fp");
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, new Firing.Slot("r2", "u1", "fp"));
    assertNotEquals(a, new Firing.Slot("r1", "u2", "fp"));
    assertNotEquals(a, new Firing.Slot("r1", "u1", "fp2"));
    assertNotEquals(new Firing.Slot("r1", "u1", "fp"), new Firing.Slot("r1", "fp", "u1"));
    assertEquals(new Firing.Slot("r1", null, null), new Firing.Slot("r1", null, null));
    assertNotEquals(new Firing.Slot("r1", null, "fp"), a);
  }
}
