package io.supportpilot.knowledge;

import io.supportpilot.knowledge.SearchResult.ArticleHit;
import io.supportpilot.knowledge.SearchResult.PatternHit;
import java.util.List;
import java.util.Set;

/**
 * The scores of hybrid search: cosine calibration, IDF-weighted term coverage, the hybrid similarity of the two and
 * the rank of an article, all from the search tuning. Pure; thread-safe.
 */
final class HybridScorer {

  private final SearchTuning tuning;

  /** A scorer with the given tuning. */
  HybridScorer(SearchTuning tuning) {
    this.tuning = tuning;
  }

  /** The weight of the calibrated cosine in the similarity (the rest is coverage) for a question. */
  double cosineWeight(boolean dutch, boolean useLexical, boolean useVectors) {
    return !useVectors ? 0 : !useLexical ? 1 : dutch ? tuning.cosineWeightNl() : tuning.cosineWeightEn();
  }

  /** The hybrid similarity in [0, 1]: {@code wCos} times the calibrated cosine plus the rest times coverage. */
  double similarity(double wCos, double cos, double coverage) {
    return wCos * calibrate(cos) + (1 - wCos) * coverage;
  }

  /** A scored article: its similarity plus relative BM25, pattern and error-code evidence as its rank. */
  ArticleHit articleHit(Article article, double wCos, double cos, double coverage, double bm25, PatternHit best,
      boolean codeHit) {
    double similarity = similarity(wCos, cos, coverage);
    double pScore = best == null ? 0 : best.score();
    double rank = similarity + tuning.bm25RankWeight() * bm25 + tuning.patternRankWeight() * pScore
        + tuning.errorCodeRankWeight() * (codeHit ? 1 : 0);
    return new ArticleHit(article, rank, similarity, cos, coverage, bm25, pScore, codeHit,
        best == null ? null : best.pattern());
  }

  /** The cosine mapped linearly from the tuning's floor (0) to its ceiling (1), clamped. */
  double calibrate(double cos) {
    double v = (cos - tuning.cosineFloor()) / (tuning.cosineCeiling() - tuning.cosineFloor());
    return Math.max(0, Math.min(1, v));
  }

  /**
   * IDF-weighted share of the question's terms that the document contains (in either language), from the
   * postings when the document is in them, else term by term.
   */
  static double coverage(Postings.Query q, List<QueryTerm> terms, double idfSum, IndexEntry e,
      PatternMatcher patterns) {
    if (idfSum <= 0) {
      return 0;
    }
    double hit = q.hits(e.id());
    return Double.isNaN(hit) ? coverage(terms, idfSum, e, patterns) : hit / idfSum;
  }

  /**
   * IDF-weighted share of the question's terms that the document contains (in either language); an article's
   * pattern keywords count as its terms.
   */
  static double coverage(List<QueryTerm> terms, double idfSum, IndexEntry e, PatternMatcher patterns) {
    if (idfSum <= 0) {
      return 0;
    }
    Set<String> extraNl = e.article() == null ? Set.of() : patterns.termsNl().getOrDefault(e.id(), Set.of());
    Set<String> extraEn = e.article() == null ? Set.of() : patterns.termsEn().getOrDefault(e.id(), Set.of());
    double hit = 0;
    for (QueryTerm t : terms) {
      if ((t.nl() != null && (e.nl().contains(t.nl()) || extraNl.contains(t.nl())))
          || (t.en() != null && (e.en().contains(t.en()) || extraEn.contains(t.en())))) {
        hit += t.idf();
      } else if (containsAny(e.nl(), t.synNl()) || containsAny(e.en(), t.synEn()) || containsAny(extraNl, t.synNl())
          || containsAny(extraEn, t.synEn())) {
        hit += QueryTerm.SYNONYM_WEIGHT * t.idf();
      }
    }
    return hit / idfSum;
  }

  private static boolean containsAny(Set<String> set, Set<String> any) {
    for (String a : any) {
      if (set.contains(a)) {
        return true;
      }
    }
    return false;
  }
}
