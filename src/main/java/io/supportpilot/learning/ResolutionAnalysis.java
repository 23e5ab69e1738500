package io.supportpilot.learning;

import io.supportpilot.knowledge.TextAnalysis;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;

/**
 * The extractive analysis of a resolved conversation (plan 4.1 without a model): the error codes it mentions, the
 * distinctive words of the customer's question that the solving article (or the human answer) shares, in the
 * conversation's language and, from the article's other-language title, in the other language. Customer text is
 * only ever counted and copied as data, never interpreted.
 */
final class ResolutionAnalysis {

  /** What one resolved conversation teaches: keywords per language, error codes, the solving article. */
  record Finding(List<String> keywordsNl, List<String> keywordsEn, List<String> errorCodes, String articleSlug,
      double confidence) {

    /** Both languages' keywords, the conversation's language first, without duplicates. */
    List<String> keywords() {
      Set<String> all = new LinkedHashSet<>(keywordsNl);
      all.addAll(keywordsEn);
      return new ArrayList<>(all);
    }
  }

  static final int MAX_KEYWORDS = 6;
  /** Fewer shared words than this teach nothing: one word is too weak a pattern. */
  static final int MIN_SHARED = 2;
  private static final Pattern ERROR_CODE = Pattern.compile(
      "\\b(?:[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}|HTTP[ -]?[1-5]\\d\\d|[45]\\d\\d)\\b");
  private static final CharArraySet STOP_NL = DutchAnalyzer.getDefaultStopSet();
  private static final CharArraySet STOP_EN = EnglishAnalyzer.ENGLISH_STOP_WORDS_SET;
  // Words too general to tell one support question from another, in both languages.
  private static final Set<String> GENERAL = Set.of("hallo", "hello", "graag", "please", "thanks", "bedankt",
      "hoe", "how", "what", "wat", "waarom", "why", "kan", "can", "could", "would", "wij", "ons", "onze", "mijn",
      "jullie", "your", "you", "have", "heb", "hebben", "does", "doet", "help", "hulp", "vraag", "question",
      "probleem", "problem", "issue", "werkt", "work", "works", "working", "niet", "not", "still", "nog", "steeds",
      "krijg", "get", "getting", "when", "wanneer", "wordt", "worden", "gaat", "goes", "zijn", "also", "ook",
      "daar", "there", "this", "that", "deze", "dit", "die", "want", "wil", "willen", "moet", "must", "should");

  private ResolutionAnalysis() {
  }

  /**
   * Analyses a question and what solved it.
   *
   * @param question the customer's subject and first message
   * @param language nl or en
   * @param answer the human answers and resolution summary (may be empty)
   * @param article the solving article's texts, or null when none was linked
   */
  static Finding analyse(String question, String language, String answer, ArticleText article) {
    return analyse(question, language, answer, article, Set.of());
  }

  /**
   * As {@link #analyse(String, String, String, ArticleText)}, leaving out words whose 5-letter start is in
   * {@code common} (words found in many articles tell no article apart).
   */
  static Finding analyse(String question, String language, String answer, ArticleText article, Set<String> common) {
    List<String> codes = errorCodes(question + "\n" + answer);
    String reference = (answer + "\n" + (article == null ? "" : article.all())).toLowerCase(Locale.ROOT);
    Set<String> reference3 = prefixes(reference);
    List<String> shared = new ArrayList<>();
    for (String w : new LinkedHashSet<>(TextAnalysis.words(question))) {
      if (!distinctive(w) || common.contains(prefix(w))) {
        continue;
      }
      // Shared with what solved it (same word, or the same 5-letter start: "koppeling"/"koppelingen").
      if (reference.contains(w) || reference3.contains(prefix(w))) {
        shared.add(w);
      }
    }
    // Only words the solution shares describe the problem it solves; a question's other words are its own story.
    List<String> own = shared.size() >= MIN_SHARED ? new ArrayList<>(shared) : new ArrayList<>();
    own = own.subList(0, Math.min(MAX_KEYWORDS, own.size()));
    List<String> other = new ArrayList<>();
    if (article != null && !own.isEmpty()) {
      String otherTitle = "nl".equals(language) ? article.titleEn() : article.titleNl();
      for (String w : new LinkedHashSet<>(TextAnalysis.words(otherTitle))) {
        if (distinctive(w) && !common.contains(prefix(w)) && other.size() < MAX_KEYWORDS) {
          other.add(w);
        }
      }
    }
    List<String> nl = "nl".equals(language) ? own : other;
    List<String> en = "nl".equals(language) ? other : own;
    double confidence = Math.min(0.95, 0.4 + 0.1 * Math.min(4, shared.size()) + (codes.isEmpty() ? 0 : 0.1)
        + (article == null ? 0 : 0.05));
    return new Finding(List.copyOf(nl), List.copyOf(en), codes, article == null ? null : article.slug(),
        Math.round(confidence * 100) / 100.0);
  }

  /** Upper-case error codes and HTTP statuses mentioned in the text, in order, without duplicates. */
  static List<String> errorCodes(String text) {
    Set<String> codes = new LinkedHashSet<>();
    Matcher m = ERROR_CODE.matcher(text);
    while (m.find()) {
      codes.add(m.group().replace(' ', '_').replace('-', '_'));
    }
    return new ArrayList<>(codes);
  }

  /**
   * A case-insensitive regex that needs the first two keywords (the most telling ones) anywhere in the text as
   * whole words, in any order; with one keyword, that word. A regex hit counts as a strong pattern match, so one
   * shared word must not be enough. Keywords are quoted, so customer text never becomes regex syntax; the result
   * compiles in Java or this throws.
   */
  static String regex(List<String> keywords) {
    if (keywords.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder("(?isu)^");
    for (String k : keywords.subList(0, Math.min(2, keywords.size()))) {
      sb.append("(?=.*\\b").append(Pattern.quote(k)).append("\\b)");
    }
    String regex = sb.toString();
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalStateException("a generated regex did not compile: " + e.getMessage(), e);
    }
    return regex;
  }

  /** The 5-letter starts of words found in more than {@code share} of the articles' texts. */
  static Set<String> common(Collection<ArticleText> articles, double share) {
    Map<String, Integer> df = new HashMap<>();
    for (ArticleText a : articles) {
      Set<String> seen = new HashSet<>();
      for (String w : TextAnalysis.words(a.all())) {
        if (w.length() >= 4) {
          seen.add(prefix(w));
        }
      }
      seen.forEach(p -> df.merge(p, 1, Integer::sum));
    }
    Set<String> out = new HashSet<>();
    df.forEach((p, n) -> {
      if (articles.size() >= 10 && n > share * articles.size()) {
        out.add(p);
      }
    });
    return out;
  }

  static boolean distinctive(String w) {
    if (w.length() < 4 || w.chars().allMatch(Character::isDigit)) {
      return false;
    }
    return !STOP_NL.contains(w) && !STOP_EN.contains(w) && !GENERAL.contains(w);
  }

  private static Set<String> prefixes(String text) {
    Set<String> p = new HashSet<>();
    for (String w : TextAnalysis.words(text)) {
      if (w.length() >= 5) {
        p.add(prefix(w));
      }
    }
    return p;
  }

  private static String prefix(String w) {
    return w.length() <= 5 ? w : w.substring(0, 5);
  }

  /** The parts of an article the analysis reads. */
  record ArticleText(String slug, String titleNl, String titleEn, String contentNl, String contentEn,
      List<String> tags) {

    String all() {
      return titleNl + "\n" + titleEn + "\n" + contentNl + "\n" + contentEn + "\n" + String.join(" ", tags);
    }
  }
}
