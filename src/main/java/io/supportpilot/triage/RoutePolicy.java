package io.supportpilot.triage;

import java.util.ArrayList;
import java.util.List;

/**
 * Picks the route from the hard rules, the learned route probabilities and the retrieval evidence, safe by
 * construction: a hard rule always escalates; a question that reports a malfunction of the product is never answered
 * automatically, nor one whose best article leads only by its words while another is closer in meaning; the router's
 * most likely route decides between answering and escalating (to a person or to DevOps); and an answer is automatic
 * only when both the Confidence 2.0 score and its semantic component reach the auto bar (the configured
 * one, or the matched pattern's {@code min_confidence}): a pattern or error-code match can hold an answer back, never
 * push one through. The semantic component of that score is the router's answerability (the probability of
 * auto-respond with the right article, plus half that of suggest) mapped onto the bars at two anchors fitted by the trainer.
 */
public final class RoutePolicy {

  /** The decided route and the numbers that explain it. */
  public record Route(String action, String escalation, String reason, Double semantic, Double pattern,
      Double history, Double errorCode, ConfidenceScorer.Score score, double bar, double suggestBar) {
  }

  /** The plan's default bars the anchors map onto. */
  static final double AUTO_ANCHOR = 0.85;
  static final double SUGGEST_ANCHOR = 0.6;

  private RoutePolicy() {
  }

  /**
   * The router's answerability: the probability that the best article answers the question fully (P(auto_respond)
   * times the probability that the best article is the right one) plus half the probability that the articles help
   * in part.
   */
  public static double answerability(double[] p, double topCorrect) {
    return p[0] * topCorrect + p[1] / 2;
  }

  /** Maps answerability onto [0, 1] so that {@code atSuggest} lands on 0.6 and {@code atAuto} on 0.85. */
  public static double semantic(double a, double atSuggest, double atAuto) {
    if (a <= atSuggest) {
      return SUGGEST_ANCHOR * a / atSuggest;
    }
    if (a <= atAuto) {
      return SUGGEST_ANCHOR + (AUTO_ANCHOR - SUGGEST_ANCHOR) * (a - atSuggest) / (atAuto - atSuggest);
    }
    return AUTO_ANCHOR + (1 - AUTO_ANCHOR) * (a - atAuto) / (1 - atAuto);
  }

  /** The route of one question. */
  public static Route route(double[] p, double topCorrect, List<EscalationRules.Match> rules, boolean malfunction,
      RouteEvidence e, Double history, double autoBar, double suggestBar, double atSuggest, double atAuto) {
    Double semantic = e.topSlug() == null ? Double.valueOf(0.0)
        : Double.valueOf(ConfidenceScorer.round(semantic(answerability(p, topCorrect), atSuggest, atAuto)));
    Double pattern = e.patternComponent();
    Double error = e.errorComponent();
    ConfidenceScorer.Score s = ConfidenceScorer.score(new ConfidenceScorer.Components(semantic, pattern, history,
        error));
    double bar = e.patternMinConfidence() != null ? e.patternMinConfidence() : autoBar;
    double suggest = Math.min(suggestBar, bar);
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    String action;
    String escalation = "none";
    String reason;
    if (!rules.isEmpty()) {
      action = "escalate";
      escalation = rules.stream().anyMatch(m -> "human".equals(m.escalation())) ? "human" : "devops";
      List<String> names = new ArrayList<>();
      rules.forEach(m -> names.add(m.rule()));
      reason = "policy rule: " + String.join(", ", names);
    } else if (e.topSlug() == null) {
      action = "escalate";
      escalation = "human";
      reason = "no article matches";
    } else if (best >= 2) {
      action = "escalate";
      escalation = best == 2 ? "human" : "devops";
      reason = String.format("the router expects %s (p=%.2f)", best == 2 ? "a person's decision"
          : "a malfunction of the product", p[best]);
    } else if (s.renormalised() < suggest) {
      action = "escalate";
      escalation = "human";
      reason = String.format("confidence %.2f is below the suggest bar %.2f", s.renormalised(), suggest);
    } else if (s.renormalised() >= bar && semantic >= bar) {
      boolean split = e.leadsOnlyByWords();
      action = malfunction || split ? "suggest_articles" : "auto_respond";
      reason = malfunction
          ? String.format("confidence %.2f reaches the auto-respond bar %.2f, but the question reports a malfunction"
              + " of the product: a person checks the answer", s.renormalised(), bar)
          : split
          ? String.format("confidence %.2f reaches the auto-respond bar %.2f, but another article is closer in meaning"
              + " and only the words put this one first: a person checks the answer", s.renormalised(), bar)
          : String.format("confidence %.2f and answerability %.2f reach the auto-respond bar %.2f",
              s.renormalised(), semantic, bar);
    } else {
      action = "suggest_articles";
      reason = String.format("confidence %.2f or answerability %.2f is below the auto-respond bar %.2f",
          s.renormalised(), semantic, bar);
    }
    return new Route(action, escalation, reason, semantic, pattern, history, error, s, bar, suggest);
  }
}
