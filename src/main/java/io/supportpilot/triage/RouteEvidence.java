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
    Double patternMinConfidence) {

  /** A margin this large (in rank units) counts as an unambiguous choice. */
  static final double MARGIN_CAP = 0.5;

  /** The evidence of a live search. */
  public static RouteEvidence of(SearchResult r, String errorCode) {
    boolean codeGiven = errorCode != null && !errorCode.isBlank();
    if (r.articles().isEmpty()) {
      return new RouteEvidence(null, 0, 0, 0, 0, false, false, false, 0, r.patterns().stream()
          .anyMatch(h -> h.regexHit() || h.errorCodeHit()), 0, codeGiven, false, r.queryTerms().size(), null);
    }
    ArticleHit top = r.articles().get(0);
    double bestCos = 0;
    double bestCov = 0;
    for (ArticleHit h : r.articles()) {
      bestCos = Math.max(bestCos, h.cosine());
      bestCov = Math.max(bestCov, h.coverage());
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
        codeGiven, top.errorCodeHit(), r.queryTerms().size(), minConf);
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
      return new RouteEvidence(null, 0, 0, 0, 0, false, false, false, 0, strong, 0, codeGiven, false, terms, null);
    }
    JsonObject top = arts.getJsonObject(0);
    String slug = top.getString("slug");
    double bestCos = 0;
    double bestCov = 0;
    for (int i = 0; i < arts.size(); i++) {
      bestCos = Math.max(bestCos, arts.getJsonObject(i).getDouble("cosine"));
      bestCov = Math.max(bestCov, arts.getJsonObject(i).getDouble("term_coverage"));
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
        terms, minConf);
  }

  /**
   * The plan's pattern component: 1 when a regex or error-code pattern of the best article fired, {@code 1 - 0.5^k}
   * for k keyword hits of its own patterns (each keyword an even bet of being a coincidence), reduced by the
   * strongest evidence for another article; null when no pattern fired at all.
   */
  Double patternComponent() {
    if (!ownStrongPattern && ownKeywordHits == 0 && !otherStrongPattern && otherKeywordHits == 0) {
      return null;
    }
    double mine = ownStrongPattern ? 1.0 : 1 - Math.pow(0.5, ownKeywordHits);
    double other = otherStrongPattern ? 1.0 : 1 - Math.pow(0.5, otherKeywordHits);
    return ConfidenceScorer.round(Math.max(0, mine * (1 - other / 2)));
  }

  /** The plan's error-code component: null without a code, 1 when it belongs to the best article's patterns, else 0. */
  Double errorComponent() {
    return !errorCodeGiven ? null : errorCodeOnTop ? 1.0 : 0.0;
  }
}
