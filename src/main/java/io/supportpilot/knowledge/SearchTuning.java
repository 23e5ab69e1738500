package io.supportpilot.knowledge;

/**
 * The general parameters of hybrid search, chosen by measurement (see docs/knowledge-and-triage.md). {@code mode}
 * is {@code hybrid}, {@code semantic} (embeddings only) or {@code lexical} (Lucene only), for comparison runs.
 */
public record SearchTuning(
    String mode,
    double cosineFloor,
    double cosineCeiling,
    double cosineWeightEn,
    double cosineWeightNl,
    double bm25RankWeight,
    double patternRankWeight,
    double errorCodeRankWeight,
    boolean glossDutch) {

  /** The measured defaults. */
  public static SearchTuning defaults(String mode) {
    return new SearchTuning(mode, 0.15, 0.70, 0.5, 0.35, 0.15, 0.25, 0.25, true);
  }
}
