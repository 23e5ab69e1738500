package io.supportpilot.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.knowledge.LocalEmbedder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RouterModelTest {

  private static RouteEvidence strong() {
    return new RouteEvidence("a", 0.55, 0.7, 0.6, 0.4, true, true, false, 0, false, 0, false, false, 9, null, 0.25, 0.2,
        0.3);
  }

  @Test
  void theShippedModelLoadsAndGivesAProbabilityPerRoute() {
    // Verifies that the shipped weights fit this version's features and give a distribution over the four routes,
    // with and without a usable embedding.
    RouterModel m = RouterModel.shipped();
    assertTrue(m.atSuggest() < m.atAuto(), "anchors " + m.atSuggest() + " / " + m.atAuto());
    assertTrue(m.info().getInteger("questions") > 0);
    String text = "Connection\nHow do I reconnect Exact Online after my authorisation lapsed?";
    RouterFeatures.Vector v = RouterFeatures.of(text, "en", strong(), List.of(), new float[384], m.hashDims());
    for (boolean withEmbedding : new boolean[] {true, false}) {
      double[] p = m.probabilities(v, withEmbedding);
      assertEquals(RouterModel.CLASSES.size(), p.length);
      assertEquals(1.0, p[0] + p[1] + p[2] + p[3], 1e-9);
    }
    double top = m.topCorrect(v);
    assertTrue(top > 0 && top < 1);
  }

  @Test
  void theLogOddsPartsAddUpToTheProbabilities() {
    // Verifies the explain tool's arithmetic: biases, embedding, hashed words and dense parts add up to the log of
    // the ratio of the two classes' probabilities, for every class against auto-respond, with a non-zero embedding.
    RouterModel m = RouterModel.shipped();
    float[] emb = new float[384];
    for (int i = 0; i < emb.length; i++) {
      emb[i] = (float) Math.sin(i);
    }
    RouterFeatures.Vector v = RouterFeatures.of("Export\nDoes the data export include my bookkeeping data?", "en",
        strong(), List.of(), emb, m.hashDims());
    double[] p = m.probabilities(v, true);
    for (int k = 1; k < RouterModel.CLASSES.size(); k++) {
      double sum = 0;
      for (double part : m.logOddsParts(v, k, 0)) {
        sum += part;
      }
      assertEquals(Math.log(p[k] / p[0]), sum, 1e-9, RouterModel.CLASSES.get(k));
    }
  }

  @Test
  void embeddingsOfAnotherModelOrSizeAreNotUsed() {
    // Verifies that the embedding weights only apply to vectors of the model they were trained with.
    RouterModel m = RouterModel.shipped();
    assertTrue(m.usesEmbedding(LocalEmbedder.MODEL, new float[384]));
    assertTrue(!m.usesEmbedding("voyage-3", new float[384]));
    assertTrue(!m.usesEmbedding(LocalEmbedder.MODEL, new float[1024]));
    assertTrue(!m.usesEmbedding(LocalEmbedder.MODEL, null));
  }

  @Test
  void aPolicyRuleAndThePatternEvidenceAreFeatures() {
    // Verifies that the features carry the fired rules and the retrieval evidence in their named places.
    List<EscalationRules.Match> rules = List.of(new EscalationRules.Match("refund", "human", "en", "refund"));
    RouterFeatures.Vector v = RouterFeatures.of("Refund\nPlease refund May.", "en", strong(), rules, null, 64);
    int refund = RouterFeatures.DENSE_NAMES.indexOf("rule_refund");
    int override = RouterFeatures.DENSE_NAMES.indexOf("rule_instruction_override");
    assertEquals(1.0, v.dense()[refund]);
    assertEquals(0.0, v.dense()[override]);
    assertEquals(0.55, v.dense()[RouterFeatures.DENSE_NAMES.indexOf("similarity")], 1e-9);
    assertTrue(v.buckets().length > 0);
    for (int b : v.buckets()) {
      assertTrue(b >= 0 && b < 64);
    }
  }
}
