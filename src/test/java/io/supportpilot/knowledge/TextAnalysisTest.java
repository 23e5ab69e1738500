package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.lucene.analysis.Analyzer;
import org.junit.jupiter.api.Test;

class TextAnalysisTest {

  @Test
  void identifiersInADocumentAlsoContributeTheirParts() {
    // Verifies that a question quoting only part of an error name ("iets met grant") can match a document that
    // names the whole identifier (invalid_grant), in both analysers, while the identifier itself stays a term.
    String doc = "Zie je invalid_grant of EXACT_TOKEN_EXPIRED, koppel dan opnieuw.";
    String indexed = TextAnalysis.withIdentifierParts(doc);
    assertTrue(indexed.startsWith(doc), indexed);
    for (Analyzer a : new Analyzer[] {TextAnalysis.DUTCH, TextAnalysis.ENGLISH}) {
      var terms = TextAnalysis.terms(a, indexed);
      assertTrue(terms.contains(TextAnalysis.stem(a, "invalid_grant")), terms.toString());
      assertTrue(terms.contains(TextAnalysis.stem(a, "grant")), terms.toString());
      assertTrue(terms.contains(TextAnalysis.stem(a, "token")), terms.toString());
    }
  }

  @Test
  void textWithoutIdentifiersIsLeftAlone() {
    // Verifies that plain words, versions and host names are not touched (no needless extra terms).
    String doc = "Versie 2.3.1 van api.example.com werkt, zonder fouten.";
    assertSame(doc, TextAnalysis.withIdentifierParts(doc));
    assertEquals("a_b\na b ", TextAnalysis.withIdentifierParts("a_b"));
  }

  @Test
  void finiteVerbFormsLeadBackToTheirInfinitives() {
    // Verifies the forms tried when a separable verb's particle is joined again (zegt ... op -> opzeggen).
    assertTrue(QueryAnalysis.verbForms("zegt").contains("zeggen"));
    assertTrue(QueryAnalysis.verbForms("haal").contains("halen"));
    assertTrue(QueryAnalysis.verbForms("sluit").contains("sluiten"));
    assertTrue(QueryAnalysis.verbForms("stel").contains("stellen"));
  }
}
