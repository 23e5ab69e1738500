package io.supportpilot.triage;

import io.supportpilot.knowledge.SearchResult;
import io.supportpilot.knowledge.SearchResult.ArticleHit;
import io.supportpilot.knowledge.SearchResult.PatternHit;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What retrieval found for a question, reduced to the few general signals the router weighs: the best article's
 * similarity, cosine and term coverage, its margin to the runner-up, whether the cosine and lexical rankings agree,
 * and the pattern and error-code evidence for and against it. Built from a live search or from a triage response
 * (the trainer reads those), so both see exactly the same numbers.
 */
public record RouteEvidence(
    String topSlug,
    double similarity,
    double cosine,
    double coverage,
    double margin,
    boolean cosineAgrees,
    boolean coverageAgrees,
    boolean ownStrongPattern,
    int ownKeywordHits,
    boolean otherStrongPattern,
    int otherKeywordHits,
    boolean errorCodeGiven,
    boolean errorCodeOnTop,
    int queryTerms,
    Double patternMinConfidence,
    double similarityGap,
    double cosineGap,
    double coverageGap) {

  /** A margin this large (in rank units) counts as an unambiguous choice. */
  static final double MARGIN_CAP = 0.5;

  /** The evidence of a live search. */
  public static RouteEvidence of(SearchResult r, String errorCode) {
    boolean codeGiven = errorCode != null && !errorCode.isBlank();
    if (r.articles().isEmpty()) {
      return new RouteEvidence(null, 0, 0, 0, 0, false, false, false, 0, r.patterns().stream()
          .anyMatch(h -> h.regexHit() || h.errorCodeHit()), 0, codeGiven, false, r.queryTerms().size(), null, 0, 0, 0);
    }
    ArticleHit top = r.articles().get(0);
    double bestCos = 0;
    double bestCov = 0;
    double otherSim = 0;
    double otherCos = 0;
    double otherCov = 0;
    for (int i = 0; i < r.articles().size(); i++) {
      ArticleHit h = r.articles().get(i);
      bestCos = Math.max(bestCos, h.cosine());
      bestCov = Math.max(bestCov, h.coverage());
      if (i > 0) {
        otherSim = Math.max(otherSim, h.similarity());
        otherCos = Math.max(otherCos, h.cosine());
        otherCov = Math.max(otherCov, h.coverage());
      }
    }
    double margin = r.articles().size() > 1 ? top.rank() - r.articles().get(1).rank() : MARGIN_CAP;
    boolean ownStrong = false;
    int ownKw = 0;
    boolean otherStrong = false;
    int otherKw = 0;
    Double minConf = null;
    double bestOwn = -1;
    for (PatternHit h : r.patterns()) {
      boolean strong = h.regexHit() || h.errorCodeHit();
      if (top.article().slug().equals(h.pattern().articleSlug())) {
        ownStrong |= strong;
        ownKw = Math.max(ownKw, h.keywordHits().size());
        if (h.score() > bestOwn) {
          bestOwn = h.score();
          minConf = h.pattern().minConfidence();
        }
      } else {
        otherStrong |= strong;
        otherKw = Math.max(otherKw, h.keywordHits().size());
      }
    }
    return new RouteEvidence(top.article().slug(), top.similarity(), top.cosine(), top.coverage(), margin,
        top.cosine() >= bestCos - 1e-9, top.coverage() >= bestCov - 1e-9, ownStrong, ownKw, otherStrong, otherKw,
        codeGiven, top.errorCodeHit(), r.queryTerms().size(), minConf, top.similarity() - otherSim,
        top.cosine() - otherCos, top.coverage() - otherCov);
  }

  /** The evidence recorded in a {@code POST /api/triage} response (see {@link TriageEngine#toJson}). */
  public static RouteEvidence of(JsonObject triage, String errorCode) {
    boolean codeGiven = errorCode != null && !errorCode.isBlank();
    JsonArray arts = triage.getJsonArray("articles", new JsonArray());
    JsonArray pats = triage.getJsonArray("patterns", new JsonArray());
    int terms = triage.getJsonArray("query_terms", new JsonArray()).size();
    if (arts.isEmpty()) {
      boolean strong = false;
      for (int i = 0; i < pats.size(); i++) {
        strong |= pats.getJsonObject(i).getBoolean("regex_hit") || pats.getJsonObject(i).getBoolean("error_code_hit");
      }
      return new RouteEvidence(null, 0, 0, 0, 0, false, false, false, 0, strong, 0, codeGiven, false, terms, null, 0, 0,
          0);
    }
    JsonObject top = arts.getJsonObject(0);
    String slug = top.getString("slug");
    double bestCos = 0;
    double bestCov = 0;
    double otherSim = 0;
    double otherCos = 0;
    double otherCov = 0;
    for (int i = 0; i < arts.size(); i++) {
      JsonObject h = arts.getJsonObject(i);
      bestCos = Math.max(bestCos, h.getDouble("cosine"));
      bestCov = Math.max(bestCov, h.getDouble("term_coverage"));
      if (i > 0) {
        otherSim = Math.max(otherSim, h.getDouble("score"));
        otherCos = Math.max(otherCos, h.getDouble("cosine"));
        otherCov = Math.max(otherCov, h.getDouble("term_coverage"));
      }
    }
    double margin = arts.size() > 1 ? top.getDouble("rank") - arts.getJsonObject(1).getDouble("rank") : MARGIN_CAP;
    boolean ownStrong = false;
    int ownKw = 0;
    boolean otherStrong = false;
    int otherKw = 0;
    Double minConf = null;
    double bestOwn = -1;
    for (int i = 0; i < pats.size(); i++) {
      JsonObject h = pats.getJsonObject(i);
      boolean strong = h.getBoolean("regex_hit") || h.getBoolean("error_code_hit");
      int kw = h.getJsonArray("keyword_hits", new JsonArray()).size();
      if (slug.equals(h.getString("article_slug"))) {
        ownStrong |= strong;
        ownKw = Math.max(ownKw, kw);
        if (h.getDouble("score") > bestOwn) {
          bestOwn = h.getDouble("score");
          minConf = h.getDouble("min_confidence");
        }
      } else {
        otherStrong |= strong;
        otherKw = Math.max(otherKw, kw);
      }
    }
    double cos = top.getDouble("cosine");
    double cov = top.getDouble("term_coverage");
    return new RouteEvidence(slug, top.getDouble("score"), cos, cov, margin, cos >= bestCos - 1e-9,
        cov >= bestCov - 1e-9, ownStrong, ownKw, otherStrong, otherKw, codeGiven, top.getBoolean("error_code_hit"),
        terms, minConf, top.getDouble("score") - otherSim, cos - otherCos, cov - otherCov);
  }

  /**
   * The plan's pattern component: how much the best article's own patterns confirm it, 1 for a regex or error-code
   * hit and {@code 1 - 0.5^k} for k keyword hits (each keyword an even bet of being a coincidence); null when none of
   * its patterns fired. Evidence for another article is not folded in here: the router weighs it (features
   * {@code other_strong_pattern}, {@code other_keyword_hits}), and the auto bar also needs the router's answerability.
   */
  Double patternComponent() {
    if (!ownStrongPattern && ownKeywordHits == 0) {
      return null;
    }
    return ConfidenceScorer.round(ownStrongPattern ? 1.0 : 1 - Math.pow(0.5, ownKeywordHits));
  }

  /**
   * Whether the best article leads only by its words: another article is closer in meaning (a higher hybrid
   * similarity), and no regex, keyword or error code of the best article's own patterns backs it, so its place on top
   * comes from the lexical rank alone. The two halves of the search disagree; an answer sent unreviewed on that
   * is a coin toss (on the training questions 57 % of such best articles were right, against 85 % otherwise).
   */
  boolean leadsOnlyByWords() {
    return topSlug != null && similarityGap < 0 && !ownStrongPattern && ownKeywordHits == 0 && !errorCodeOnTop;
  }

  /** The plan's error-code component: null without a code, 1 when it belongs to the best article's patterns, else 0. */
  Double errorComponent() {
    return !errorCodeGiven ? null : errorCodeOnTop ? 1.0 : 0.0;
  }
}
