package io.supportpilot.knowledge;

import io.supportpilot.knowledge.SearchResult.PatternHit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An immutable snapshot of the active support patterns, compiled: which fire for a question (regex on the raw text,
 * stemmed keywords, error codes), which articles know an error code, and the keyword stems that describe each
 * article. Thread-safe.
 */
final class PatternMatcher {

  private static final Pattern CODE = Pattern.compile("\\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\\b|\\b[1-5]\\d\\d\\b");

  /** No patterns. */
  static final PatternMatcher EMPTY = compile(List.of());

  // In the store's order: Map.copyOf iterates in an order that changes between JVM runs, and ties between
  // pattern scores must not decide differently on every start.
  private final Map<String, CompiledPattern> patterns;
  // Error code -> slugs of the articles whose active patterns know it.
  private final Map<String, Set<String>> codeArticles;
  // Stems of the keywords of the active patterns that point to an article: they describe it too.
  private final Map<String, Set<String>> termsNl;
  private final Map<String, Set<String>> termsEn;

  /** A pattern ready to match: compiled regex and stemmed keywords. */
  private record CompiledPattern(SupportPattern pattern, Pattern regex, List<Keyword> keywords, Set<String> codes) {
  }

  private record Keyword(String text, Set<String> nl, Set<String> en) {
  }

  private PatternMatcher(Map<String, CompiledPattern> patterns) {
    this.patterns = Collections.unmodifiableMap(patterns);
    this.codeArticles = codeArticles(patterns.values());
    Map<String, Set<String>> nl = new HashMap<>();
    Map<String, Set<String>> en = new HashMap<>();
    for (CompiledPattern cp : patterns.values()) {
      String slug = cp.pattern().articleSlug();
      if (slug == null) {
        continue;
      }
      for (Keyword k : cp.keywords()) {
        nl.computeIfAbsent(slug, x -> new HashSet<>()).addAll(k.nl());
        en.computeIfAbsent(slug, x -> new HashSet<>()).addAll(k.en());
      }
    }
    this.termsNl = Map.copyOf(nl);
    this.termsEn = Map.copyOf(en);
  }

  /** The active ones of the given patterns (inactive ones are dropped), compiled in the given order. */
  static PatternMatcher compile(Collection<SupportPattern> all) {
    Map<String, CompiledPattern> active = new LinkedHashMap<>();
    for (SupportPattern p : all) {
      if (p.active()) {
        active.put(p.id(), compile(p));
      }
    }
    return new PatternMatcher(active);
  }

  private static CompiledPattern compile(SupportPattern p) {
    List<Keyword> kws = new ArrayList<>();
    for (String k : p.keywords()) {
      kws.add(new Keyword(k, TextAnalysis.terms(TextAnalysis.DUTCH, k), TextAnalysis.terms(TextAnalysis.ENGLISH, k)));
    }
    Set<String> codes = new HashSet<>();
    for (String c : p.errorCodes()) {
      codes.add(c.toUpperCase(Locale.ROOT));
    }
    return new CompiledPattern(p, p.regex() == null ? null : Pattern.compile(p.regex()), List.copyOf(kws),
        Set.copyOf(codes));
  }

  private static Map<String, Set<String>> codeArticles(Collection<CompiledPattern> patterns) {
    Map<String, Set<String>> byCode = new HashMap<>();
    for (CompiledPattern cp : patterns) {
      if (cp.pattern().articleSlug() != null) {
        for (String c : cp.codes()) {
          byCode.computeIfAbsent(c, x -> new HashSet<>()).add(cp.pattern().articleSlug());
        }
      }
    }
    return Map.copyOf(byCode);
  }

  /** Article slug -> Dutch stems of the keywords of its patterns. */
  Map<String, Set<String>> termsNl() {
    return termsNl;
  }

  /** Article slug -> English stems of the keywords of its patterns. */
  Map<String, Set<String>> termsEn() {
    return termsEn;
  }

  /**
   * Error-code-like tokens in the text (UPPER_SNAKE codes and HTTP statuses as {@code HTTP_nnn}), plus the given
   * error code (may be null) in upper case.
   */
  static Set<String> codesIn(String text, String errorCode) {
    Set<String> out = new HashSet<>();
    Matcher m = CODE.matcher(text);
    while (m.find()) {
      String c = m.group();
      out.add(Character.isDigit(c.charAt(0)) ? "HTTP_" + c : c);
    }
    if (errorCode != null && !errorCode.isBlank()) {
      out.add(errorCode.trim().toUpperCase(Locale.ROOT));
    }
    return out;
  }

  /** The patterns that fire on the text, its query terms and codes, best first (ties in the patterns' order). */
  List<PatternHit> match(String text, List<QueryTerm> terms, Set<String> codes) {
    Set<String> nlStems = new HashSet<>();
    Set<String> enStems = new HashSet<>();
    stems(text, terms, nlStems, enStems);
    List<PatternHit> hits = new ArrayList<>();
    for (CompiledPattern cp : patterns.values()) {
      PatternHit hit = match(cp, text, nlStems, enStems, codes);
      if (hit != null) {
        hits.add(hit);
      }
    }
    hits.sort(Comparator.comparingDouble(PatternHit::score).reversed());
    return hits;
  }

  /** Keywords match the stems of the query terms and of every word of the text, in either language. */
  private static void stems(String text, List<QueryTerm> terms, Set<String> nlStems, Set<String> enStems) {
    for (QueryTerm t : terms) {
      if (t.nl() != null) {
        nlStems.add(t.nl());
      }
      if (t.en() != null) {
        enStems.add(t.en());
      }
    }
    for (String w : TextAnalysis.words(text)) {
      String n = TextAnalysis.stem(TextAnalysis.DUTCH, w);
      String e = TextAnalysis.stem(TextAnalysis.ENGLISH, w);
      if (n != null) {
        nlStems.add(n);
      }
      if (e != null) {
        enStems.add(e);
      }
    }
  }

  private static PatternHit match(CompiledPattern cp, String text, Set<String> nlStems, Set<String> enStems,
      Set<String> codes) {
    boolean regex = cp.regex() != null && cp.regex().matcher(text).find();
    boolean code = false;
    for (String c : cp.codes()) {
      if (codes.contains(c)) {
        code = true;
        break;
      }
    }
    List<String> kw = new ArrayList<>();
    for (Keyword k : cp.keywords()) {
      boolean nlHit = !k.nl().isEmpty() && nlStems.containsAll(k.nl());
      boolean enHit = !k.en().isEmpty() && enStems.containsAll(k.en());
      if (nlHit || enHit) {
        kw.add(k.text());
      }
    }
    if (!regex && !code && kw.isEmpty()) {
      return null;
    }
    double score = regex || code ? 1.0 : 1 - Math.pow(0.4, kw.size());
    return new PatternHit(cp.pattern(), score, List.copyOf(kw), regex, code);
  }

  /** Whether a tag of the article, or an active pattern pointing to it, knows one of the codes. */
  boolean articleHasCode(Article a, Set<String> codes) {
    if (codes.isEmpty()) {
      return false;
    }
    for (String t : a.tags()) {
      if (codes.contains(t.toUpperCase(Locale.ROOT))) {
        return true;
      }
    }
    for (String c : codes) {
      if (codeArticles.getOrDefault(c, Set.of()).contains(a.slug())) {
        return true;
      }
    }
    return false;
  }
}
