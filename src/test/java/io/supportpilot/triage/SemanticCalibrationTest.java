package io.supportpilot.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.knowledge.Article;
import io.supportpilot.knowledge.SearchResult;
import io.supportpilot.knowledge.SearchResult.ArticleHit;
import io.supportpilot.knowledge.SearchResult.PatternHit;
import io.supportpilot.knowledge.SupportPattern;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class SemanticCalibrationTest {

  private static Article article(String slug) {
    return new Article(slug, "general", slug, slug, "inhoud", "content", List.of(), true);
  }

  private static ArticleHit hit(String slug, double rank, double similarity, double cosine, double coverage) {
    return new ArticleHit(article(slug), rank, similarity, cosine, coverage, 1, 0, false, null);
  }

  private static SupportPattern pattern(String id, String slug) {
    return new SupportPattern(id, id, List.of("k"), null, List.of(), List.of(), slug, 0.85, true, null, 0, 0);
  }

  private static SearchResult result(List<ArticleHit> hits, List<PatternHit> patterns, int terms) {
    return new SearchResult("en", hits, patterns, List.of(), null, java.util.Collections.nCopies(terms, "t"));
  }

  @Test
  void similarityIsMappedOntoTheBars() {
    // Verifies the linear map: SIM_AT_SUGGEST lands on 0.6, SIM_AT_AUTO on 0.85, clamped at 1, no match far below.
    List<PatternHit> none = List.of();
    var atSuggest = TriageEngine.calibrate(result(List.of(hit("a", 1, TriageEngine.SIM_AT_SUGGEST, 0.5, 0.5)), none, 8));
    assertEquals(0.6, atSuggest.mapped(), 1e-9);
    var atAuto = TriageEngine.calibrate(result(List.of(hit("a", 1, TriageEngine.SIM_AT_AUTO, 0.5, 0.5)), none, 8));
    assertEquals(0.85, atAuto.mapped(), 1e-9);
    assertEquals(1.0, TriageEngine.calibrate(result(List.of(hit("a", 1, 0.9, 0.5, 0.5)), none, 8)).mapped());
    assertTrue(TriageEngine.calibrate(result(List.of(hit("a", 1, 0.0, 0.5, 0.5)), none, 8)).mapped() < 0.3);
  }

  @Test
  void uncertaintyAboutTheArticleLowersTheComponent() {
    // Verifies the three factors: a level runner-up, rankings that disagree, and a question of very few terms.
    List<PatternHit> none = List.of();
    var clear = TriageEngine.calibrate(result(List.of(hit("a", 1.0, 0.6, 0.7, 0.6), hit("b", 0.5, 0.3, 0.4, 0.2)),
        none, 8));
    assertEquals(1.0, clear.ambiguity(), 1e-9);
    assertEquals(1.0, clear.agreement(), 1e-9);
    assertEquals(1.0, clear.evidence(), 1e-9);
    var level = TriageEngine.calibrate(result(List.of(hit("a", 1.0, 0.6, 0.7, 0.6), hit("b", 1.0, 0.6, 0.4, 0.2)),
        none, 8));
    assertEquals(TriageEngine.AMBIGUITY_FLOOR, level.ambiguity(), 1e-9);
    var disagree = TriageEngine.calibrate(result(List.of(hit("a", 1.0, 0.6, 0.5, 0.3), hit("b", 0.5, 0.4, 0.7, 0.6)),
        none, 8));
    assertEquals(TriageEngine.DISAGREEMENT * TriageEngine.DISAGREEMENT, disagree.agreement(), 1e-9);
    var shortQuestion = TriageEngine.calibrate(result(List.of(hit("a", 1.0, 0.6, 0.7, 0.6)), none, 3));
    assertEquals(1 - TriageEngine.EVIDENCE_WEIGHT / 2, shortQuestion.evidence(), 1e-9);
    assertTrue(TriageEngine.calibrate(result(List.of(), none, 3)).mapped() == 0);
  }

  @Test
  void patternComponentConfirmsConflictsOrIsAbsent() {
    // Verifies: keyword hits confirm with 1 - 0.3^hits, a regex hit with 1; keyword patterns of other articles
    // leave the component absent; a regex or error-code pattern of another article sets it to 0; none fired: absent.
    ArticleHit top = hit("a", 1, 0.6, 0.6, 0.6);
    List<ArticleHit> hits = List.of(top);
    PatternHit oneKeyword = new PatternHit(pattern("p1", "a"), 0.6, List.of("x"), false, false);
    PatternHit twoKeywords = new PatternHit(pattern("p2", "a"), 0.84, List.of("x", "y"), false, false);
    PatternHit regexMine = new PatternHit(pattern("p3", "a"), 1, List.of(), true, false);
    PatternHit keywordOther = new PatternHit(pattern("p4", "b"), 0.6, List.of("x"), false, false);
    PatternHit codeOther = new PatternHit(pattern("p5", "b"), 1, List.of(), false, true);
    assertNull(TriageEngine.patternComponent(result(hits, List.of(), 8), top));
    assertEquals(0.7, TriageEngine.patternComponent(result(hits, List.of(oneKeyword), 8), top), 1e-9);
    assertEquals(0.91, TriageEngine.patternComponent(result(hits, List.of(twoKeywords, oneKeyword), 8), top), 1e-9);
    assertEquals(1.0, TriageEngine.patternComponent(result(hits, List.of(regexMine, codeOther), 8), top), 1e-9);
    assertNull(TriageEngine.patternComponent(result(hits, List.of(keywordOther), 8), top));
    assertEquals(0.0, TriageEngine.patternComponent(result(hits, List.of(keywordOther, codeOther), 8), top), 1e-9);
  }
}
