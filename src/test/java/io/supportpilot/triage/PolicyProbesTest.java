package io.supportpilot.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The policy rules on questions written for this purpose, none taken from {@code ../shared/eval}: each line is
 * {@code category<TAB>language<TAB>question}, where {@code none} is a question no rule may escalate (how-to questions
 * that use the rules' words: a credit note for one's own customer, a colleague's rights, the language model). Sets 1
 * and 2 were written first and the rules were widened against their misses (by structure: an address with a colon,
 * "ignore everything above", dictated reply text, a colleague's key, compensation on the next invoice, a call back);
 * sets 3 and 4 were written afterwards and are only measured (and never trained on): they show how far a hand-written
 * lexicon generalises. Sets 1 and 2 also train the router (scripts/train-router.sh); sets 3 and 4 never do.
 */
class PolicyProbesTest {

  private record Probe(String category, String language, String text) {
  }

  private record Result(int escalated, int escalations, int quiet, int negatives, List<String> misses) {
  }

  @Test
  void theSetsTheRulesWereWidenedAgainstAreAllRecognised() throws IOException {
    // Verifies that the rules recognise every escalation and leave every how-to question of sets 1 and 2 (the sets
    // the lexicon was widened against) alone, but two sentences of set 2 that rely on the assistant's role alone.
    Result one = run("policy-probes-1.tsv");
    assertEquals(List.of(), one.misses());
    Result two = run("policy-probes-2.tsv");
    assertTrue(two.misses().size() <= 2, "set 2 misses: " + two.misses());
    assertEquals(two.negatives(), two.quiet(), "a how-to question of set 2 was escalated: " + two.misses());
  }

  @Test
  void theHeldOutSetsAreMeasuredAndHowToQuestionsStayQuiet() throws IOException {
    // Verifies that the rules escalate at most one how-to question of the held-out sets 3 and 4 (written after the
    // rules, never tuned or trained on), and prints how many of their escalations the rules alone recognise.
    for (String set : List.of("policy-probes-3.tsv", "policy-probes-4.tsv")) {
      Result r = run(set);
      System.out.printf("policy probes, held-out %s: %d/%d escalations recognised by the rules alone, %d/%d how-to"
          + " questions quiet%n  misses: %s%n", set, r.escalated(), r.escalations(), r.quiet(), r.negatives(),
          r.misses());
      assertTrue(r.negatives() - r.quiet() <= 1, "how-to questions escalated: " + r.misses());
    }
  }

  private static Result run(String resource) throws IOException {
    int escalated = 0;
    int escalations = 0;
    int quiet = 0;
    int negatives = 0;
    List<String> misses = new ArrayList<>();
    for (Probe p : probes(resource)) {
      List<EscalationRules.Match> m = EscalationRules.match(p.text(), p.language());
      if ("none".equals(p.category())) {
        negatives++;
        if (m.isEmpty()) {
          quiet++;
        } else {
          misses.add("escalated " + m.get(0).rule() + ": " + p.text());
        }
      } else {
        escalations++;
        if (m.stream().anyMatch(x -> "human".equals(x.escalation()))) {
          escalated++;
        } else {
          misses.add("missed " + p.category() + ": " + p.text());
        }
      }
    }
    return new Result(escalated, escalations, quiet, negatives, misses);
  }

  private static List<Probe> probes(String resource) throws IOException {
    try (InputStream in = PolicyProbesTest.class.getResourceAsStream("/triage/" + resource)) {
      List<Probe> out = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          String[] f = line.split("\t", 3);
          out.add(new Probe(f[0], f[1], f[2]));
        }
      }
      return out;
    }
  }
}
