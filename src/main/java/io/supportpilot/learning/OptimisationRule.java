package io.supportpilot.learning;

/**
 * Plan 4.3's thresholds, exactly: effectiveness (times_resolved / times_triggered) below 0.3 with more than 20
 * triggers deactivates a pattern; above 0.9 with more than 50 triggers lowers its min_confidence by 0.1, never
 * below 0.5. Compared in whole numbers, so 0.3 and 0.9 are exact boundaries.
 */
final class OptimisationRule {

  static final int DEACTIVATE_AFTER_TRIGGERS = 20;
  static final int LOWER_AFTER_TRIGGERS = 50;
  static final double STEP = 0.1;
  static final double FLOOR = 0.5;

  /** What to change. */
  enum Change { NONE, DEACTIVATE, LOWER_MIN_CONFIDENCE }

  private OptimisationRule() {
  }

  static Change decide(int triggered, int resolved, double minConfidence) {
    // resolved / triggered < 0.3  <=>  10 * resolved < 3 * triggered (triggered > 0 here).
    if (triggered > DEACTIVATE_AFTER_TRIGGERS && 10L * resolved < 3L * triggered) {
      return Change.DEACTIVATE;
    }
    if (triggered > LOWER_AFTER_TRIGGERS && 10L * resolved > 9L * triggered && minConfidence > FLOOR + 1e-9) {
      return Change.LOWER_MIN_CONFIDENCE;
    }
    return Change.NONE;
  }

  /** The lowered bar: 0.1 less, rounded to hundredths, at least 0.5. */
  static double lowered(double minConfidence) {
    return Math.max(FLOOR, Math.round((minConfidence - STEP) * 100) / 100.0);
  }
}
