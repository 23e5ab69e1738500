package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.knowledge.SearchResult.PatternHit;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PatternMatcherTest {

  private static SupportPattern pattern(String id, List<String> keywords, String regex, List<String> codes,
      String slug, boolean active) {
    return new SupportPattern(id, id, keywords, regex, codes, List.of(), slug, 0.85, active, null, 0, 0);
  }

  @Test
  void codesComeFromTheTextAndTheGivenCode() {
    // Verifies that UPPER_SNAKE codes and HTTP statuses in the text are found, and the given code is trimmed and
    // upper-cased.
    Set<String> codes = PatternMatcher.codesIn("Got EXACT_TOKEN_EXPIRED and then a 429 from the API", " quota_x ");
    assertEquals(Set.of("EXACT_TOKEN_EXPIRED", "HTTP_429", "QUOTA_X"), codes);
  }

  @Test
  void regexCodeAndKeywordHitsAreScoredAndOrdered() {
    // Verifies that a code hit scores 1 and comes before a keyword hit (1 - 0.4^hits), that a keyword matches an
    // inflected form, that inactive patterns are dropped, and that an article knows the code of its pattern.
    PatternMatcher m = PatternMatcher.compile(List.of(
        pattern("kw", List.of("request limit"), null, List.of(), "limits", true),
        pattern("code", List.of(), null, List.of("rate_limited"), "rates", true),
        pattern("off", List.of("request limit"), null, List.of(), "limits", false)));
    String text = "all my requests fail with RATE_LIMITED, they hit the limits";
    List<PatternHit> hits = m.match(text, List.of(), PatternMatcher.codesIn(text, null));
    assertEquals(List.of("code", "kw"), hits.stream().map(h -> h.pattern().id()).toList());
    assertEquals(1.0, hits.get(0).score());
    assertTrue(hits.get(0).errorCodeHit());
    assertEquals(1 - 0.4, hits.get(1).score(), 1e-12);
    assertEquals(List.of("request limit"), hits.get(1).keywordHits());
    Article rates = new Article("rates", "usage", "t", "t", "c", "c", List.of(), true);
    assertTrue(m.articleHasCode(rates, Set.of("RATE_LIMITED")));
    assertFalse(m.articleHasCode(rates, Set.of("OTHER_CODE")));
    assertTrue(m.termsEn().containsKey("limits"));
  }
}
