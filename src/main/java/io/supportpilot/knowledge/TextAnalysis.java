package io.supportpilot.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/** Lucene's Dutch and English analysis (stop words, stemming), word splitting and language detection. */
public final class TextAnalysis {

  static final Analyzer DUTCH = new DutchAnalyzer();
  static final Analyzer ENGLISH = new EnglishAnalyzer();
  private static final Analyzer WORDS = new StandardAnalyzer(CharArraySet.EMPTY_SET);

  // Function words that occur in one language only, for language detection.
  private static final Set<String> NL_MARKERS = Set.of("de", "het", "een", "ik", "je", "jij", "jullie", "mijn",
      "wij", "ons", "onze", "zijn", "niet", "kan", "kunnen", "hoe", "wat", "waarom", "van", "voor", "met", "dat",
      "die", "dit", "er", "bij", "naar", "heb", "hebt", "heeft", "hebben", "wordt", "worden", "geen", "ook", "maar",
      "nog", "graag", "krijg", "krijgen", "zie", "moet", "moeten", "wil", "als", "wel", "meer", "deze", "waar",
      "welke", "komt", "gaat", "staat", "wanneer", "sinds", "uw", "u", "zo", "dan", "om", "te");
  private static final Set<String> EN_MARKERS = Set.of("the", "and", "my", "you", "your", "our", "are", "not",
      "can", "how", "what", "why", "does", "do", "this", "that", "have", "has", "with", "for", "from", "get",
      "getting", "of", "to", "it", "be", "but", "which", "there", "will", "would", "should", "please", "when",
      "where", "since", "i", "i'm", "we're", "don't", "doesn't", "can't", "any", "again", "still", "after", "an");

  private TextAnalysis() {
  }

  private static final Pattern COMPOUND_IDENTIFIER =
      Pattern.compile("[\\p{L}\\p{N}]+(?:[_.][\\p{L}\\p{N}]+)+");

  /**
   * The text followed by the parts of its identifiers ({@code invalid_grant} -> {@code invalid grant},
   * {@code EXACT_TOKEN_EXPIRED} -> {@code EXACT TOKEN EXPIRED}), so a question that quotes only a part of an error
   * name, or describes it in words, still matches the document. For indexed documents; the identifier itself stays.
   */
  public static String withIdentifierParts(String text) {
    Matcher m = COMPOUND_IDENTIFIER.matcher(text);
    StringBuilder parts = null;
    while (m.find()) {
      if (m.group().indexOf('_') < 0) {
        continue;  // dotted numbers and host names stay whole
      }
      if (parts == null) {
        parts = new StringBuilder(text).append('\n');
      }
      parts.append(m.group().replace('_', ' ')).append(' ');
    }
    return parts == null ? text : parts.toString();
  }

  /** Lower-cased words (Unicode word boundaries), stop words kept. */
  public static List<String> words(String text) {
    return tokens(WORDS, text);
  }

  /** The analysed terms of a text (stop words removed, stemmed). */
  public static Set<String> terms(Analyzer analyzer, String text) {
    return new LinkedHashSet<>(tokens(analyzer, text));
  }

  /** The stem of one word, or null when it is a stop word (cached: questions repeat their words). */
  public static String stem(Analyzer analyzer, String word) {
    Map<String, String> cache = analyzer == DUTCH ? DUTCH_STEMS : analyzer == ENGLISH ? ENGLISH_STEMS : null;
    if (cache == null) {
      List<String> t = tokens(analyzer, word);
      return t.isEmpty() ? null : t.get(0);
    }
    String cached = cache.get(word);
    if (cached == null) {
      List<String> t = tokens(analyzer, word);
      cached = t.isEmpty() ? NO_STEM : t.get(0);
      if (cache.size() < STEM_CACHE_SIZE) {
        cache.put(word, cached);
      }
    }
    return NO_STEM.equals(cached) ? null : cached;
  }

  // Stems of single words, bounded (a word not cached is simply analysed again).
  private static final int STEM_CACHE_SIZE = 200_000;
  private static final String NO_STEM = "\u0000";
  private static final Map<String, String> DUTCH_STEMS = new ConcurrentHashMap<>();
  private static final Map<String, String> ENGLISH_STEMS = new ConcurrentHashMap<>();

  /** {@code nl} or {@code en} by counting language-specific function words; {@code fallback} on a tie. */
  public static String detectLanguage(String text, String fallback) {
    int nl = 0;
    int en = 0;
    for (String w : words(text)) {
      if (NL_MARKERS.contains(w)) {
        nl++;
      }
      if (EN_MARKERS.contains(w)) {
        en++;
      }
    }
    if (nl == en) {
      return fallback;
    }
    return nl > en ? "nl" : "en";
  }

  static List<String> tokens(Analyzer analyzer, String text) {
    List<String> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    try (TokenStream ts = analyzer.tokenStream("f", text.toLowerCase(Locale.ROOT))) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
