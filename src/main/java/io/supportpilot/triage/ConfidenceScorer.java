package io.supportpilot.triage;

/**
 * Confidence 2.0 (plan phase 2.2): weights 0.4 semantic, 0.3 pattern, 0.2 user history, 0.1 error code. A
 * component that does not apply (null) is absent: the raw score counts it as 0, the final score renormalises the
 * remaining weights. Routes: {@code auto_respond} at or above the auto bar (0.85, or the matched pattern's
 * {@code min_confidence}), {@code suggest_articles} at or above the suggest bar (0.6, never above the auto bar),
 * else {@code escalate}.
 */
public final class ConfidenceScorer {

  public static final double SEMANTIC_WEIGHT = 0.4;
  public static final double PATTERN_WEIGHT = 0.3;
  public static final double HISTORY_WEIGHT = 0.2;
  public static final double ERROR_CODE_WEIGHT = 0.1;

  /** The four components, each in [0, 1] or null when it does not apply. */
  public record Components(Double semantic, Double pattern, Double history, Double errorCode) {
  }

  /** The raw weighted sum, the renormalised score and the weight of the components present. */
  public record Score(double raw, double renormalised, double presentWeight) {
  }

  private ConfidenceScorer() {
  }

  /** Scores the components. */
  public static Score score(Components c) {
    double raw = 0;
    double present = 0;
    double[] values = {nz(c.semantic()), nz(c.pattern()), nz(c.history()), nz(c.errorCode())};
    Double[] given = {c.semantic(), c.pattern(), c.history(), c.errorCode()};
    double[] weights = {SEMANTIC_WEIGHT, PATTERN_WEIGHT, HISTORY_WEIGHT, ERROR_CODE_WEIGHT};
    for (int i = 0; i < 4; i++) {
      raw += weights[i] * clamp(values[i]);
      if (given[i] != null) {
        present += weights[i];
      }
    }
    double renormalised = present == 0 ? 0 : raw / present;
    return new Score(round(raw), round(renormalised), round(present));
  }

  /** The route for a final score and the auto bar; the suggest bar never exceeds the auto bar. */
  public static String route(double finalScore, double autoBar, double suggestBar) {
    if (finalScore >= autoBar) {
      return "auto_respond";
    }
    if (finalScore >= Math.min(suggestBar, autoBar)) {
      return "suggest_articles";
    }
    return "escalate";
  }

  private static double nz(Double d) {
    return d == null ? 0 : d;
  }

  private static double clamp(double d) {
    return Math.max(0, Math.min(1, d));
  }

  static double round(double d) {
    return Math.round(d * 10_000) / 10_000.0;
  }
}
