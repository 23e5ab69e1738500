package io.supportpilot.knowledge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the text of a question into weighted query terms against the article vocabulary: each word stemmed both
 * ways, unknown words split as Dutch compounds or corrected for typos, Dutch separable verbs joined again, and the
 * thesaurus words of each term. Pure apart from the vocabulary's correction cache; thread-safe.
 */
final class QueryAnalysis {

  private static final Pattern NUMBER = Pattern.compile("\\d+([.,]\\d+)*");
  /** Particles of Dutch separable verbs ({@code opzeggen}: "ik zeg het op"). */
  private static final Set<String> PARTICLES = Set.of("op", "af", "aan", "uit", "in", "mee", "terug", "door", "toe",
      "weg", "over", "na", "vast", "bij", "om", "los", "voor", "neer", "samen", "binnen", "open", "dicht");
  private static final int PARTICLE_REACH = 8;

  private final Synonyms synonyms;

  /** An analysis with the given domain thesaurus. */
  QueryAnalysis(Synonyms synonyms) {
    this.synonyms = synonyms;
  }

  /** The vocabulary of the given documents (Dutch and English terms of each), with the thesaurus as typo targets. */
  Vocabulary vocabulary(List<String[][]> docs) {
    return Vocabulary.build(docs, synonyms);
  }

  /** The text with the thesaurus words of its domain terms appended in brackets (the text itself when none). */
  String glossed(String text) {
    String gloss = synonyms.gloss(text);
    return gloss.isEmpty() ? text : text + " (" + gloss + ")";
  }

  /** The query terms of a text in the given language ({@code nl} or {@code en}), with their thesaurus words. */
  List<QueryTerm> terms(String text, String lang, Vocabulary vocab) {
    List<QueryTerm> out = new ArrayList<>();
    for (QueryTerm t : baseTerms(text, lang, vocab)) {
      List<Set<String>> syn = synonyms.expand(t.nl(), t.en());
      out.add(syn.get(0).isEmpty() && syn.get(1).isEmpty() ? t
          : new QueryTerm(t.word(), t.nl(), t.en(), t.idf(), syn.get(0), syn.get(1)));
    }
    return out;
  }

  private static List<QueryTerm> baseTerms(String text, String lang, Vocabulary vocab) {
    boolean nl = "nl".equals(lang);
    Map<String, QueryTerm> out = new LinkedHashMap<>();
    for (String w : TextAnalysis.words(text)) {
      if (w.length() < 2 || out.containsKey(w)) {
        continue;
      }
      addWord(w, nl, vocab, out);
    }
    if (nl) {
      separableVerbs(TextAnalysis.words(text), vocab, out);
    }
    return new ArrayList<>(out.values());
  }

  /** A word the question language can stem, as one term, or through {@link #addUnknown} when no article has it. */
  private static void addWord(String w, boolean nl, Vocabulary vocab, Map<String, QueryTerm> out) {
    String n = TextAnalysis.stem(TextAnalysis.DUTCH, w);
    String e = TextAnalysis.stem(TextAnalysis.ENGLISH, w);
    if ((nl && n == null) || (!nl && e == null) || (n == null && e == null)) {
      return;
    }
    int df = vocab.df(n, e);
    if (df == 0) {
      addUnknown(w, n, e, nl, vocab, out);
      return;
    }
    out.put(w, new QueryTerm(w, n, e, vocab.idf(df)));
  }

  /** A word no article has: dropped when a number, else split as a compound, else corrected, else kept as is. */
  private static void addUnknown(String w, String n, String e, boolean nl, Vocabulary vocab,
      Map<String, QueryTerm> out) {
    if (NUMBER.matcher(w).matches()) {
      return;
    }
    String[] parts = vocab.decompound(w);
    if (parts != null) {
      // A Dutch compound of two known words: each part explains half of the word.
      int df0 = vocab.df(parts[0], null);
      int df1 = vocab.df(parts[1], null);
      out.put(w, new QueryTerm(w, parts[0], null, 0.5 * vocab.idf(df0)));
      out.put(w + "#2", new QueryTerm(w, parts[1], null, 0.5 * vocab.idf(df1)));
      return;
    }
    String[] fixed = vocab.correct(n, e, nl);
    if (fixed == null) {
      out.put(w, new QueryTerm(w, n, e, vocab.idf(0)));
      return;
    }
    out.put(w, new QueryTerm(w, fixed[0], fixed[1], 0.75 * vocab.idf(vocab.df(fixed[0], fixed[1]))));
  }

  /**
   * A finite verb form and the infinitives it may come from, whose stems the articles are likely to use:
   * {@code zegt} -> zeg, zeggen, zegen; {@code haal} -> halen; {@code stel} -> stellen.
   */
  static List<String> verbForms(String verb) {
    List<String> out = new ArrayList<>(8);
    infinitives(verb, out);
    if (verb.endsWith("t") && verb.length() > 3) {
      infinitives(verb.substring(0, verb.length() - 1), out);  // zegt -> zeg
    }
    return out;
  }

  private static void infinitives(String v, List<String> out) {
    out.add(v);
    int n = v.length();
    char last = v.charAt(n - 1);
    if (n >= 3 && v.charAt(n - 2) == v.charAt(n - 3) && "aeou".indexOf(v.charAt(n - 2)) >= 0) {
      out.add(v.substring(0, n - 2) + v.substring(n - 1) + "en");   // haal -> halen
    } else if ("aeiou".indexOf(last) < 0 && n >= 2 && "aeiou".indexOf(v.charAt(n - 2)) >= 0
        && (n < 3 || "aeiou".indexOf(v.charAt(n - 3)) < 0)) {
      out.add(v + last + "en");                                      // zeg -> zeggen
    }
    out.add(v + "en");                                               // sluit -> sluiten
  }

  /**
   * Dutch splits a separable verb in a main clause: "zeg ik op" is {@code opzeggen}, "stel ik dat in" is
   * {@code instellen}. For each particle, the words shortly before it are joined with it (in the forms of
   * {@link #verbForms}); a joined form whose stem the articles use becomes a query term.
   */
  private static void separableVerbs(List<String> words, Vocabulary vocab, Map<String, QueryTerm> out) {
    for (int j = 1; j < words.size(); j++) {
      String particle = words.get(j);
      if (!PARTICLES.contains(particle)) {
        continue;
      }
      for (int i = Math.max(0, j - PARTICLE_REACH); i < j; i++) {
        String verb = words.get(i);
        if (verb.length() < 2 || PARTICLES.contains(verb) || TextAnalysis.stem(TextAnalysis.DUTCH, verb) == null
            || out.containsKey(particle + verb)) {
          continue;
        }
        joinedVerb(particle, verb, vocab, out);
      }
    }
  }

  /** The first form of particle + verb whose stem the articles use, as a query term. */
  private static void joinedVerb(String particle, String verb, Vocabulary vocab, Map<String, QueryTerm> out) {
    for (String form : verbForms(verb)) {
      String stem = TextAnalysis.stem(TextAnalysis.DUTCH, particle + form);
      int df = stem == null ? 0 : vocab.df(stem, null);
      if (df > 0) {
        out.put(particle + verb, new QueryTerm(particle + verb, stem, null, vocab.idf(df)));
        return;
      }
    }
  }
}
