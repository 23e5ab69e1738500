package io.supportpilot.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RoutePolicyTest {

  private static final double[] SURE_AUTO = {0.97, 0.01, 0.01, 0.01};

  private static RouteEvidence evidence(boolean ownStrong, boolean otherStrong, String code, boolean codeOnTop,
      Double minConfidence) {
    return new RouteEvidence("a", 0.6, 0.7, 0.6, 0.3, true, true, ownStrong, 0, otherStrong, 0, code != null,
        codeOnTop, 8, minConfidence, 0.2, 0.2, 0.2);
  }

  private static RoutePolicy.Route route(double[] p, double top, List<EscalationRules.Match> rules, RouteEvidence e) {
    return RoutePolicy.route(p, top, rules, false, e, null, 0.85, 0.6, 0.1, 0.75);
  }

  @Test
  void theAnchorsLandOnTheBars() {
    // Verifies the piecewise-linear map of answerability: the anchors land on 0.6 and 0.85, 0 and 1 stay put.
    assertEquals(0.6, RoutePolicy.semantic(0.1, 0.1, 0.75), 1e-9);
    assertEquals(0.85, RoutePolicy.semantic(0.75, 0.1, 0.75), 1e-9);
    assertEquals(0.0, RoutePolicy.semantic(0.0, 0.1, 0.75), 1e-9);
    assertEquals(1.0, RoutePolicy.semantic(1.0, 0.1, 0.75), 1e-9);
    assertEquals(0.97 * 0.9 + 0.01 / 2, RoutePolicy.answerability(SURE_AUTO, 0.9), 1e-9);
  }

  @Test
  void aSureRouterWithTheRightArticleAnswersAutomatically() {
    // Verifies the auto-respond route and that it names the bar it reached.
    RoutePolicy.Route r = route(SURE_AUTO, 0.95, List.of(), evidence(false, false, null, false, null));
    assertEquals("auto_respond", r.action());
    assertEquals("none", r.escalation());
    assertNull(r.pattern());
  }

  @Test
  void aReportedMalfunctionIsNeverAnsweredAutomatically() {
    // Verifies that the same sure router and right article only suggest when the question reports our product
    // misbehaving (the malfunction gate), and that the reason says why.
    RoutePolicy.Route r = RoutePolicy.route(SURE_AUTO, 0.95, List.of(), true,
        evidence(true, false, "X", true, null), null, 0.85, 0.6, 0.1, 0.75);
    assertEquals("suggest_articles", r.action());
    assertTrue(r.reason().contains("malfunction"), r.reason());
  }

  @Test
  void anArticleAheadOnlyByItsWordsIsNotSentUnreviewed() {
    // Verifies the split-search gate: a sure router, but another article is closer in meaning (negative similarity
    // gap) and nothing of the best article's own patterns backs it, so a person checks; keywords of its own
    // pattern, a regex or its error code, or a best article that is also the closest, lets the answer go.
    RouteEvidence split = new RouteEvidence("a", 0.37, 0.41, 0.27, 0.08, false, true, false, 0, false, 0, false,
        false, 8, null, -0.015, -0.07, 0.05);
    RoutePolicy.Route r = route(SURE_AUTO, 0.95, List.of(), split);
    assertEquals("suggest_articles", r.action());
    assertTrue(r.reason().contains("closer in meaning"), r.reason());
    RouteEvidence keyword = new RouteEvidence("a", 0.37, 0.41, 0.27, 0.08, false, true, false, 4, false, 0, false,
        false, 8, null, -0.015, -0.07, 0.05);
    RouteEvidence code = new RouteEvidence("a", 0.37, 0.41, 0.27, 0.08, false, true, false, 0, false, 0, true,
        true, 8, null, -0.015, -0.07, 0.05);
    RouteEvidence closest = new RouteEvidence("a", 0.37, 0.41, 0.27, 0.08, false, true, false, 0, false, 0, false,
        false, 8, null, 0.0, -0.07, 0.05);
    assertEquals("auto_respond", route(SURE_AUTO, 0.95, List.of(), keyword).action());
    assertEquals("auto_respond", route(SURE_AUTO, 0.95, List.of(), code).action());
    assertEquals("auto_respond", route(SURE_AUTO, 0.95, List.of(), closest).action());
  }

  @Test
  void aDoubtfulArticleOnlySuggestsEvenWithAStrongPatternAndItsErrorCode() {
    // Verifies that a pattern and error-code match cannot push an answer through when the router doubts the article.
    RoutePolicy.Route r = route(SURE_AUTO, 0.5, List.of(), evidence(true, false, "X", true, null));
    assertEquals(1.0, r.pattern());
    assertEquals(1.0, r.errorCode());
    assertTrue(r.score().renormalised() >= 0.85, "the score alone would reach the bar: " + r.score());
    assertEquals("suggest_articles", r.action());
  }

  @Test
  void aHardRuleEscalatesWhateverTheRouterSays() {
    // Verifies that the policy rules win over a sure router: a person for human rules, DevOps for a malfunction.
    RouteEvidence e = evidence(true, false, "X", true, null);
    RoutePolicy.Route human = route(SURE_AUTO, 1.0, List.of(new EscalationRules.Match("refund", "human", "en", "refund")),
        e);
    assertEquals("escalate", human.action());
    assertEquals("human", human.escalation());
    RoutePolicy.Route devops = route(SURE_AUTO, 1.0,
        List.of(new EscalationRules.Match("product_malfunction", "devops", "en", "since the update to 2.6")), e);
    assertEquals("devops", devops.escalation());
  }

  @Test
  void theRoutersEscalationsGoToTheirTeam() {
    // Verifies that the router's most likely escalation picks the team.
    RouteEvidence e = evidence(false, false, null, false, null);
    assertEquals("devops", route(new double[] {0.2, 0.05, 0.05, 0.7}, 1.0, List.of(), e).escalation());
    assertEquals("human", route(new double[] {0.2, 0.05, 0.7, 0.05}, 1.0, List.of(), e).escalation());
  }

  @Test
  void aPatternsMinConfidenceIsTheBarAndThePatternComponentCountsOnlyTheBestArticlesPatterns() {
    // Verifies that an admin's min_confidence moves the bar, and that the pattern component measures the best
    // article's own patterns (another article's pattern is evidence the router weighs, not this component).
    double[] unsure = {0.6, 0.3, 0.05, 0.05};
    RouteEvidence strict = evidence(true, false, null, false, null);
    assertEquals("suggest_articles", route(unsure, 0.8, List.of(), strict).action());
    RouteEvidence lenient = evidence(true, false, null, false, 0.5);
    assertEquals("auto_respond", route(unsure, 0.8, List.of(), lenient).action());
    assertEquals(1.0, route(unsure, 0.8, List.of(), evidence(true, true, null, false, null)).pattern(), 1e-9);
    assertNull(route(unsure, 0.8, List.of(), evidence(false, true, null, false, null)).pattern());
    RouteEvidence twoKeywords = new RouteEvidence("a", 0.6, 0.7, 0.6, 0.3, true, true, false, 2, false, 0, false,
        false, 8, 0.85, 0.2, 0.2, 0.2);
    assertEquals(0.75, route(unsure, 0.8, List.of(), twoKeywords).pattern(), 1e-9);
  }

  @Test
  void noArticleEscalatesToAPerson() {
    // Verifies the route when retrieval found nothing.
    RouteEvidence none = new RouteEvidence(null, 0, 0, 0, 0, false, false, false, 0, false, 0, false, false, 3, null,
        0, 0, 0);
    RoutePolicy.Route r = route(SURE_AUTO, 0.0, List.of(), none);
    assertEquals("escalate", r.action());
    assertEquals("human", r.escalation());
  }
}
