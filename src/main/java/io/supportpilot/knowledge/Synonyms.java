package io.supportpilot.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /** Reads a thesaurus file (blocking). */
  public static Synonyms load(Path file) {
    try {
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
      Set<String> nl = new HashSet<>();
      Set<String> en = new HashSet<>();
      for (String w : line.split(",")) {
        nl.addAll(TextAnalysis.terms(TextAnalysis.DUTCH, w.strip()));
        en.addAll(TextAnalysis.terms(TextAnalysis.ENGLISH, w.strip()));
      }
      int id = gNl.size();
      gNl.add(Set.copyOf(nl));
      gEn.add(Set.copyOf(en));
      nl.forEach(t -> byNl.computeIfAbsent(t, k -> new HashSet<>()).add(id));
      en.forEach(t -> byEn.computeIfAbsent(t, k -> new HashSet<>()).add(id));
    }
    return new Synonyms(byNl, byEn, gNl, gEn);
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
    Set<Integer> ids = new HashSet<>();
    if (nl != null) {
      ids.addAll(byNl.getOrDefault(nl, Set.of()));
    }
    if (en != null) {
      ids.addAll(byEn.getOrDefault(en, Set.of()));
    }
    if (ids.isEmpty()) {
      return List.of(Set.of(), Set.of());
    }
    Set<String> outNl = new HashSet<>();
    Set<String> outEn = new HashSet<>();
    for (int id : ids) {
      outNl.addAll(groupsNl.get(id));
      outEn.addAll(groupsEn.get(id));
    }
    return List.of(outNl, outEn);
  }
}
