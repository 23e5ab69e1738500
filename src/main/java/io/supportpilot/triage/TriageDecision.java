package io.supportpilot.triage;

import java.util.List;

/**
 * The route for a question and why: every confidence component (null when it does not apply), the raw and
 * renormalised scores, and the best matches. {@code action} is {@code auto_respond}, {@code suggest_articles}
 * or {@code escalate}; {@code escalation} is {@code none}, {@code human} or {@code devops}.
 */
public record TriageDecision(
    String action,
    String escalation,
    String language,
    Double semanticSimilarity,
    Double patternMatch,
    Double userHistoryRelevance,
    Double errorCodeMatch,
    double rawScore,
    double finalScore,
    double threshold,
    String reason,
    List<ArticleMatch> articles,
    List<PatternMatch> patterns,
    List<ConversationMatch> similarConversations) {

  /** An article that matches, with its title and content in the question's language. */
  public record ArticleMatch(String slug, String title, String content, String category, double score) {
  }

  /** A pattern that matches, with the article it points to. */
  public record PatternMatch(String id, String name, String articleSlug, double score, double minConfidence) {
  }

  /** A similar resolved conversation. */
  public record ConversationMatch(String id, String subject, double score) {
  }
}
