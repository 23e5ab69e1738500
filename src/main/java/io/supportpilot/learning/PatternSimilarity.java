package io.supportpilot.learning;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How similar a finding is to a pattern (or to another suggestion), from 0 to 1: 0.4 for pointing to the same
 * article, 0.4 times the keyword overlap (shared keywords over the smaller set), 0.2 for a shared error code (or
 * when neither names one). Below {@link #NEW_PATTERN_BELOW} a finding is new knowledge and becomes a suggestion.
 */
final class PatternSimilarity {

  /** The plan's bar: below it, a pattern suggestion is created. */
  static final double NEW_PATTERN_BELOW = 0.7;

  private PatternSimilarity() {
  }

  static double of(String slugA, List<String> keywordsA, List<String> codesA, String slugB, List<String> keywordsB,
      List<String> codesB) {
    double article = slugA != null && slugA.equals(slugB) ? 0.4 : 0;
    Set<String> a = lower(keywordsA);
    Set<String> b = lower(keywordsB);
    double keywords = 0;
    if (!a.isEmpty() && !b.isEmpty()) {
      Set<String> shared = new HashSet<>(a);
      shared.retainAll(b);
      keywords = 0.4 * shared.size() / Math.min(a.size(), b.size());
    }
    Set<String> ca = lower(codesA);
    Set<String> cb = lower(codesB);
    double codes;
    if (ca.isEmpty() && cb.isEmpty()) {
      codes = 0.2;
    } else {
      Set<String> shared = new HashSet<>(ca);
      shared.retainAll(cb);
      codes = shared.isEmpty() ? 0 : 0.2;
    }
    return Math.round((article + keywords + codes) * 1000) / 1000.0;
  }

  private static Set<String> lower(List<String> xs) {
    Set<String> s = new HashSet<>();
    for (String x : xs) {
      s.add(x.toLowerCase(Locale.ROOT));
    }
    return s;
  }
}
