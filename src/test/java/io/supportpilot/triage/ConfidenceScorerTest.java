package io.supportpilot.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConfidenceScorerTest {

  @Test
  void allComponentsPresentIsThePlansWeightedSum() {
    // Verifies the plan's weights 0.4/0.3/0.2/0.1 when every component applies.
    ConfidenceScorer.Score s = ConfidenceScorer.score(new ConfidenceScorer.Components(0.9, 0.8, 0.5, 1.0));
    assertEquals(0.4 * 0.9 + 0.3 * 0.8 + 0.2 * 0.5 + 0.1, s.raw(), 1e-9);
    assertEquals(s.raw(), s.renormalised(), 1e-9);
    assertEquals(1.0, s.presentWeight(), 1e-9);
  }

  @Test
  void absentComponentsAreRenormalisedAway() {
    // Verifies that without error code and history a perfect match scores 1.0 (not the plan's 0.7 ceiling).
    ConfidenceScorer.Score s = ConfidenceScorer.score(new ConfidenceScorer.Components(1.0, 1.0, null, null));
    assertEquals(0.7, s.raw(), 1e-9);
    assertEquals(1.0, s.renormalised(), 1e-9);
    ConfidenceScorer.Score semanticOnly = ConfidenceScorer.score(new ConfidenceScorer.Components(0.6, null, null, null));
    assertEquals(0.24, semanticOnly.raw(), 1e-9);
    assertEquals(0.6, semanticOnly.renormalised(), 1e-9);
    ConfidenceScorer.Score withCode = ConfidenceScorer.score(new ConfidenceScorer.Components(0.5, null, null, 0.0));
    assertEquals(0.2, withCode.raw(), 1e-9);
    assertEquals(0.4, withCode.renormalised(), 1e-9);
    assertEquals(0, ConfidenceScorer.score(new ConfidenceScorer.Components(null, null, null, null)).renormalised());
  }

  @Test
  void routesFollowTheBarsAndAPatternsMinConfidence() {
    // Verifies >= 0.85 auto, >= 0.6 suggest, else escalate, and that a pattern bar moves the auto bar either way.
    assertEquals("auto_respond", ConfidenceScorer.route(0.85, 0.85, 0.6));
    assertEquals("suggest_articles", ConfidenceScorer.route(0.8499, 0.85, 0.6));
    assertEquals("suggest_articles", ConfidenceScorer.route(0.6, 0.85, 0.6));
    assertEquals("escalate", ConfidenceScorer.route(0.5999, 0.85, 0.6));
    assertEquals("auto_respond", ConfidenceScorer.route(0.7, 0.7, 0.6));
    assertEquals("suggest_articles", ConfidenceScorer.route(0.9, 0.95, 0.6));
    // A bar below the suggest bar: everything at or above it is answered automatically.
    assertEquals("auto_respond", ConfidenceScorer.route(0.5, 0.5, 0.6));
    assertEquals("escalate", ConfidenceScorer.route(0.49, 0.5, 0.6));
  }
}
