package io.supportpilot.knowledge;

import java.util.List;

/**
 * What hybrid search found for a question: ranked articles with every signal, fired patterns, similar resolved
 * conversations and the relevance of the user's own history (null when the user has none indexed).
 */
public record SearchResult(
    String language,
    List<ArticleHit> articles,
    List<PatternHit> patterns,
    List<ConversationHit> conversations,
    Double historyRelevance,
    List<String> queryTerms) {

  /**
   * An article candidate: {@code similarity} is the absolute hybrid similarity in [0, 1] (calibrated cosine and
   * IDF-weighted term coverage), {@code rank} adds relative BM25 and pattern/error-code evidence for ordering.
   */
  public record ArticleHit(Article article, double rank, double similarity, double cosine, double coverage,
      double bm25, double patternScore, boolean errorCodeHit, SupportPattern bestPattern) {
  }

  /** A pattern that fired, with its score in [0, 1] and why. */
  public record PatternHit(SupportPattern pattern, double score, List<String> keywordHits, boolean regexHit,
      boolean errorCodeHit) {
  }

  /** A similar resolved conversation. */
  public record ConversationHit(String id, String userId, String subject, double score) {
  }
}
