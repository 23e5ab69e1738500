package io.supportpilot.knowledge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A bilingual domain thesaurus: groups of Dutch and English words that mean the same thing for the product (one
 * group a line, comma-separated, {@code #} comments). Words are stored as Dutch and English stems, so a query word
 * matches an article that uses another word of its group, in either language.
 */
public final class Synonyms {

  private final Map<String, Set<Integer>> byNl;
  private final Map<String, Set<Integer>> byEn;
  private final List<Set<String>> groupsNl;
  private final List<Set<String>> groupsEn;
  private final List<List<String>> groupWords = new ArrayList<>();

  private Synonyms(Map<String, Set<Integer>> byNl, Map<String, Set<Integer>> byEn, List<Set<String>> groupsNl,
      List<Set<String>> groupsEn) {
    this.byNl = byNl;
    this.byEn = byEn;
    this.groupsNl = groupsNl;
    this.groupsEn = groupsEn;
  }

  /** No synonyms. */
  public static Synonyms none() {
    return parse(List.of());
  }

  /**
   * Reads a thesaurus file (blocking); a relative path that is not on disk is read from the same path on the
   * classpath, where the build bundles {@code conf/}, so the engine also runs outside the project folder.
   */
  public static Synonyms load(Path file) {
    try {
      if (!Files.exists(file) && !file.isAbsolute()) {
        try (InputStream in = Synonyms.class.getResourceAsStream("/" + file.toString().replace('\\', '/'))) {
          if (in != null) {
            return parse(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\\R")));
          }
        }
      }
      return parse(Files.readAllLines(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read synonyms file " + file, e);
    }
  }

  /** Parses thesaurus lines. */
  public static Synonyms parse(List<String> lines) {
    Map<String, Set<Integer>> byNl = new HashMap<>();
    Map<String, Set<Integer>> byEn = new HashMap<>();
    List<Set<String>> gNl = new ArrayList<>();
    List<Set<String>> gEn = new ArrayList<>();
    for (String raw : lines) {
      String line = raw.strip();
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash).strip();
      }
      if (line.isEmpty()) {
        continue;
      }
      Set<String> nl = new LinkedHashSet<>();
      Set<String> en = new LinkedHashSet<>();
      for (String w : line.split(",")) {
        nl.addAll(TextAnalysis.terms(TextAnalysis.DUTCH, w.strip()));
        en.addAll(TextAnalysis.terms(TextAnalysis.ENGLISH, w.strip()));
      }
      int id = gNl.size();
      List<String> words = new ArrayList<>();
      for (String w : line.split(",")) {
        words.add(w.strip());
      }
      WORDS.get().add(List.copyOf(words));
      // In the thesaurus's written order (the first words of a group are its main words, and a query expands to the
      // first few): Set.copyOf would iterate in an order that changes from one JVM run to the next.
      gNl.add(Collections.unmodifiableSet(nl));
      gEn.add(Collections.unmodifiableSet(en));
      nl.forEach(t -> byNl.computeIfAbsent(t, k -> new HashSet<>()).add(id));
      en.forEach(t -> byEn.computeIfAbsent(t, k -> new HashSet<>()).add(id));
    }
    Synonyms out = new Synonyms(byNl, byEn, gNl, gEn);
    out.groupWords.addAll(WORDS.get());
    WORDS.remove();
    return out;
  }

  private static final ThreadLocal<List<List<String>>> WORDS = ThreadLocal.withInitial(ArrayList::new);

  /**
   * The other words of the groups that the text's words belong to (for a Dutch question these include the English
   * words of the domain, which the English-only embedding model understands), or an empty string.
   */
  public String gloss(String text) {
    Set<Integer> ids = new LinkedHashSet<>();
    for (String w : TextAnalysis.words(text)) {
      String n = TextAnalysis.stem(TextAnalysis.DUTCH, w);
      if (n != null) {
        ids.addAll(byNl.getOrDefault(n, Set.of()));
      }
    }
    StringBuilder b = new StringBuilder();
    for (int id : ids) {
      for (String w : groupWords.get(id)) {
        b.append(w).append(' ');
      }
    }
    return b.toString().trim();
  }

  /** Every Dutch stem in the thesaurus. */
  Set<String> nlStems() {
    return byNl.keySet();
  }

  /** Every English stem in the thesaurus. */
  Set<String> enStems() {
    return byEn.keySet();
  }

  /** Number of groups. */
  public int size() {
    return groupsNl.size();
  }

  /** The Dutch and English stems that share a group with the given stems ({@code [nl, en]}, empty when none). */
  List<Set<String>> expand(String nl, String en) {
    Set<Integer> ids = new TreeSet<>();
    if (nl != null) {
      ids.addAll(byNl.getOrDefault(nl, Set.of()));
    }
    if (en != null) {
      ids.addAll(byEn.getOrDefault(en, Set.of()));
    }
    if (ids.isEmpty()) {
      return List.of(Set.of(), Set.of());
    }
    Set<String> outNl = new LinkedHashSet<>();
    Set<String> outEn = new LinkedHashSet<>();
    for (int id : ids) {
      outNl.addAll(groupsNl.get(id));
      outEn.addAll(groupsEn.get(id));
    }
    return List.of(outNl, outEn);
  }
}
