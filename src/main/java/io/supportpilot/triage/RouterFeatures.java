package io.supportpilot.triage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The router's input for one question: dense features (retrieval evidence, the question's size, the hard rules and
 * soft signals of {@link EscalationRules}, the sentence embedding) and hashed word unigrams and bigrams. The engine
 * and the trainer build it with this one class, so training and serving cannot drift apart.
 */
public final class RouterFeatures {

  /** The names of the dense features before the embedding, in order. */
  public static final List<String> DENSE_NAMES;

  static {
    List<String> names = new ArrayList<>(List.of("similarity", "cosine", "coverage", "margin", "cosine_agrees",
        "coverage_agrees", "own_strong_pattern", "own_keyword_hits", "other_strong_pattern", "other_keyword_hits",
        "error_code_given", "error_code_on_top", "error_code_elsewhere", "query_terms", "no_article",
        "similarity_gap", "cosine_gap", "coverage_gap", "words",
        "question_marks", "dutch"));
    EscalationRules.ruleNames().forEach(n -> names.add("rule_" + n));
    for (EscalationRules.Signal s : EscalationRules.Signal.values()) {
      names.add("signal_" + s.name().toLowerCase(Locale.ROOT));
    }
    DENSE_NAMES = List.copyOf(names);
  }

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+");

  /** Dense values (named by {@link #DENSE_NAMES}, then the embedding) and the hashed n-gram buckets with values. */
  public record Vector(double[] dense, float[] embedding, int[] buckets, double[] values) {
  }

  private RouterFeatures() {
  }

  /** The features of a question; {@code embedding} may be null (lexical mode, or another embedding model). */
  public static Vector of(String text, String language, RouteEvidence e, List<EscalationRules.Match> rules,
      float[] embedding, int hashDims) {
    List<Double> d = new ArrayList<>();
    boolean none = e.topSlug() == null;
    d.add(e.similarity());
    d.add(e.cosine());
    d.add(e.coverage());
    d.add(Math.max(0, Math.min(RouteEvidence.MARGIN_CAP, e.margin())));
    d.add(flag(!none && e.cosineAgrees()));
    d.add(flag(!none && e.coverageAgrees()));
    d.add(flag(e.ownStrongPattern()));
    d.add(Math.min(3, e.ownKeywordHits()) / 3.0);
    d.add(flag(e.otherStrongPattern()));
    d.add(Math.min(3, e.otherKeywordHits()) / 3.0);
    d.add(flag(e.errorCodeGiven()));
    d.add(flag(e.errorCodeOnTop()));
    d.add(flag(e.errorCodeGiven() && !e.errorCodeOnTop()));
    d.add(Math.log1p(e.queryTerms()));
    d.add(flag(none));
    d.add(e.similarityGap());
    d.add(e.cosineGap());
    d.add(e.coverageGap());
    String t = EscalationRules.normalise(text);
    List<String> words = new ArrayList<>();
    Matcher m = WORD.matcher(t);
    while (m.find()) {
      words.add(m.group());
    }
    d.add(Math.log1p(words.size()));
    d.add((double) Math.min(3, t.chars().filter(c -> c == '?').count()));
    d.add(flag("nl".equals(language)));
    for (boolean b : EscalationRules.ruleFlags(rules)) {
      d.add(flag(b));
    }
    for (boolean b : EscalationRules.signals(text)) {
      d.add(flag(b));
    }
    double[] dense = new double[d.size()];
    for (int i = 0; i < dense.length; i++) {
      dense[i] = d.get(i);
    }
    int[] buckets = new int[0];
    double[] values = new double[0];
    if (hashDims > 0 && !words.isEmpty()) {
      TreeMap<Integer, Double> counts = new TreeMap<>();
      for (int i = 0; i < words.size(); i++) {
        counts.merge(Math.floorMod(("u:" + words.get(i)).hashCode(), hashDims), 1.0, Double::sum);
        if (i + 1 < words.size()) {
          counts.merge(Math.floorMod(("b:" + words.get(i) + " " + words.get(i + 1)).hashCode(), hashDims), 1.0,
              Double::sum);
        }
      }
      buckets = new int[counts.size()];
      values = new double[counts.size()];
      double norm = 0;
      for (double v : counts.values()) {
        norm += v * v;
      }
      norm = Math.sqrt(norm);
      int i = 0;
      for (var en : counts.entrySet()) {
        buckets[i] = en.getKey();
        values[i++] = en.getValue() / norm;
      }
    }
    return new Vector(dense, embedding, buckets, values);
  }

  private static double flag(boolean b) {
    return b ? 1.0 : 0.0;
  }
}
