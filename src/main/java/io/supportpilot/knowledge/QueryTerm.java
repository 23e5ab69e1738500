package io.supportpilot.knowledge;

import java.util.Set;

/** A query word with its Dutch and English stems, its weight (IDF) and its thesaurus words in both languages. */
record QueryTerm(String word, String nl, String en, double idf, Set<String> synNl, Set<String> synEn) {

  /** How much a thesaurus word counts against the word itself, in coverage. */
  static final double SYNONYM_WEIGHT = 0.8;

  QueryTerm(String word, String nl, String en, double idf) {
    this(word, nl, en, idf, Set.of(), Set.of());
  }
}
