package io.supportpilot.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The extractive analysis and the similarity that decides between a new suggestion and a known pattern. */
class ResolutionAnalysisTest {

  static final ResolutionAnalysis.ArticleText ARTICLE = new ResolutionAnalysis.ArticleText("sync-stuck",
      "Synchronisatie blijft hangen", "Synchronisation stuck", "Start de synchronisatie opnieuw vanuit het portaal.",
      "Restart the synchronisation from the portal.", List.of("sync"));

  // Verifies that keywords come from the question's words the solution shares, the other language from the
  // article's title, error codes are extracted, and the regex quotes customer text and compiles.
  @Test
  void extractsSharedTermsCodesAndASafeRegex() {
    ResolutionAnalysis.Finding f = ResolutionAnalysis.analyse("Synchronisation stuck (SYNC_TIMEOUT) [a-z]+(",
        "en", "Restarted the synchronisation for you.", ARTICLE);
    assertTrue(f.keywordsEn().contains("synchronisation"), f.toString());
    assertTrue(f.keywordsNl().contains("synchronisatie"), f.toString());
    assertEquals(List.of("SYNC_TIMEOUT"), f.errorCodes());
    assertEquals("sync-stuck", f.articleSlug());
    String regex = ResolutionAnalysis.regex(List.of("a.b", "sync", "other"));
    Pattern p = Pattern.compile(regex);
    assertFalse(p.matcher("axb sync").find(), "regex metacharacters from text are literal");
    assertTrue(p.matcher("Sync then A.B").find(), "both of the first two keywords, any order");
    assertFalse(p.matcher("only a.b and other").find(), "one of the first two is not enough");
  }

  // Verifies the 0.7 bar: same article with most keywords shared is the same pattern; another wording is new.
  @Test
  void similarityBar() {
    double same = PatternSimilarity.of("a", List.of("sync", "stuck", "portal"), List.of(), "a",
        List.of("sync", "stuck"), List.of());
    assertTrue(same >= PatternSimilarity.NEW_PATTERN_BELOW, "" + same);
    double other = PatternSimilarity.of("a", List.of("invoice", "missing"), List.of(), "a", List.of("sync"), List.of());
    assertTrue(other < PatternSimilarity.NEW_PATTERN_BELOW, "" + other);
  }
}
