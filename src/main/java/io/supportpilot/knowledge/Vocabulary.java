package io.supportpilot.knowledge;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Document frequencies of article terms, IDF, and typo correction against the article vocabulary. */
final class Vocabulary {
  private final int n;
  private final Map<String, Integer> nlDf;
  private final Map<String, Integer> enDf;
  // Typo targets: article terms (with their document frequency) and thesaurus terms (frequency 0).
  private final Map<String, Integer> nlTargets;
  private final Map<String, Integer> enTargets;
  private final Map<String, String[]> corrections = new ConcurrentHashMap<>();
  private static final String[] NONE = new String[0];

  private Vocabulary(int n, Map<String, Integer> nlDf, Map<String, Integer> enDf, Synonyms synonyms) {
    this.n = n;
    this.nlDf = nlDf;
    this.enDf = enDf;
    this.nlTargets = new HashMap<>(nlDf);
    this.enTargets = new HashMap<>(enDf);
    synonyms.nlStems().forEach(t -> nlTargets.putIfAbsent(t, 0));
    synonyms.enStems().forEach(t -> enTargets.putIfAbsent(t, 0));
  }

  static Vocabulary build(List<String[][]> docs, Synonyms synonyms) {
    Map<String, Integer> nl = new HashMap<>();
    Map<String, Integer> en = new HashMap<>();
    for (String[][] d : docs) {
      for (String t : d[0]) {
        nl.merge(t, 1, Integer::sum);
      }
      for (String t : d[1]) {
        en.merge(t, 1, Integer::sum);
      }
    }
    return new Vocabulary(docs.size(), nl, en, synonyms);
  }

  /** An approximation of the number of articles containing the term in either language. */
  int df(String nl, String en) {
    int a = nl == null ? 0 : nlDf.getOrDefault(nl, 0);
    int b = en == null ? 0 : enDf.getOrDefault(en, 0);
    return Math.max(a, b);
  }

  double idf(int df) {
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** The closest vocabulary stems for a misspelt word (edit distance 1, or 2 for long words), or null. */
  String[] correct(String nl, String en, boolean preferNl) {
    String key = nl + "|" + en;
    String[] cached = corrections.get(key);
    if (cached == null) {
      cached = NONE;
      String[] a = nl == null ? null : nearest(nl, nlTargets);
      String[] b = en == null ? null : nearest(en, enTargets);
      String[] pick = preferNl ? (a != null ? a : b) : (b != null ? b : a);
      if (pick != null) {
        cached = pick == a ? new String[] {a[0], null} : new String[] {null, b[0]};
      }
      if (corrections.size() < 100_000) {
        corrections.put(key, cached);
      }
    }
    return cached.length == 0 ? null : cached;
  }

  /** Splits an unknown Dutch compound into two known stems (with an optional linking s/e/en), or null. */
  String[] decompound(String word) {
    if (word.length() < 8) {
      return null;
    }
    String[] best = null;
    int bestScore = 0;
    for (int i = 3; i <= word.length() - 3; i++) {
      String right = TextAnalysis.stem(TextAnalysis.DUTCH, word.substring(i));
      if (right == null || right.length() < 3 || !nlDf.containsKey(right)) {
        continue;
      }
      String head = word.substring(0, i);
      for (String left : new String[] {head, head.endsWith("s") || head.endsWith("e") ? head.substring(0, i - 1)
          : null, head.endsWith("en") ? head.substring(0, i - 2) : null}) {
        if (left == null || left.length() < 3) {
          continue;
        }
        String l = TextAnalysis.stem(TextAnalysis.DUTCH, left);
        String known = l != null && nlDf.containsKey(l) ? l : nlDf.containsKey(left) ? left : null;
        if (known != null && Math.min(known.length(), right.length()) > bestScore) {
          best = new String[] {known, right};
          bestScore = Math.min(known.length(), right.length());
        }
      }
    }
    return best;
  }

  private static String[] nearest(String word, Map<String, Integer> df) {
    if (word.length() < 5) {
      return null;
    }
    int max = word.length() >= 9 ? 2 : 1;
    String best = null;
    int bestD = max + 1;
    int bestDf = 0;
    for (Map.Entry<String, Integer> e : df.entrySet()) {
      String t = e.getKey();
      if (Math.abs(t.length() - word.length()) > max || t.length() < 4 || t.charAt(0) != word.charAt(0)) {
        continue;
      }
      int d = distance(word, t, max);
      if (d < bestD || (d == bestD && e.getValue() > bestDf) || (d == bestD && e.getValue() == bestDf
          && best != null && t.compareTo(best) < 0)) {
        best = t;
        bestD = d;
        bestDf = e.getValue();
      }
    }
    return best == null || bestD > max ? null : new String[] {best};
  }

  /** Optimal string alignment distance, stopping early above {@code max}. */
  static int distance(String a, String b, int max) {
    int[] prev2 = new int[b.length() + 1];
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      int rowMin = cur[0];
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
        rowMin = Math.min(rowMin, v);
      }
      if (rowMin > max) {
        return max + 1;
      }
      int[] t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
