package io.supportpilot.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.learning.OptimisationRule.Change;
import org.junit.jupiter.api.Test;

/** The plan's 4.3 thresholds at their boundaries. */
class OptimisationRuleTest {

  // Verifies that low effectiveness deactivates only with more than 20 triggers and strictly below 0.3.
  @Test
  void deactivationBoundaries() {
    assertEquals(Change.NONE, OptimisationRule.decide(20, 0, 0.85), "exactly 20 triggers is not more than 20");
    assertEquals(Change.DEACTIVATE, OptimisationRule.decide(21, 0, 0.85));
    assertEquals(Change.NONE, OptimisationRule.decide(30, 9, 0.85), "exactly 0.3 is not below 0.3");
    assertEquals(Change.DEACTIVATE, OptimisationRule.decide(30, 8, 0.85));
    assertEquals(Change.NONE, OptimisationRule.decide(0, 0, 0.85));
  }

  // Verifies that high effectiveness lowers the bar only with more than 50 triggers and strictly above 0.9.
  @Test
  void loweringBoundaries() {
    assertEquals(Change.NONE, OptimisationRule.decide(50, 50, 0.85), "exactly 50 triggers is not more than 50");
    assertEquals(Change.LOWER_MIN_CONFIDENCE, OptimisationRule.decide(51, 51, 0.85));
    assertEquals(Change.NONE, OptimisationRule.decide(60, 54, 0.85), "exactly 0.9 is not above 0.9");
    assertEquals(Change.LOWER_MIN_CONFIDENCE, OptimisationRule.decide(60, 55, 0.85));
  }

  // Verifies the 0.1 step and the 0.5 floor: a pattern at the floor is left alone, one just above lands on it.
  @Test
  void floorAtHalf() {
    assertEquals(0.75, OptimisationRule.lowered(0.85));
    assertEquals(0.5, OptimisationRule.lowered(0.6));
    assertEquals(0.5, OptimisationRule.lowered(0.55));
    assertEquals(Change.LOWER_MIN_CONFIDENCE, OptimisationRule.decide(100, 100, 0.55));
    assertEquals(Change.NONE, OptimisationRule.decide(100, 100, 0.5));
  }
}
