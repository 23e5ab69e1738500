package io.supportpilot.knowledge;

import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of which documents contain which Dutch and English stems (bit sets over document
 * ordinals), so the coverage of every candidate costs a bit test per query term instead of set look-ups.
 */
final class Postings {
  static final Postings EMPTY = new Postings(Map.of(), Map.of(), Map.of());
  private static final BitSet NONE = new BitSet();

  private final Map<String, Integer> ordinal;
  private final Map<String, BitSet> nl;
  private final Map<String, BitSet> en;

  private Postings(Map<String, Integer> ordinal, Map<String, BitSet> nl,
      Map<String, BitSet> en) {
    this.ordinal = ordinal;
    this.nl = nl;
    this.en = en;
  }

  static Postings build(Collection<IndexEntry> entries, Map<String, Set<String>> extraNl,
      Map<String, Set<String>> extraEn) {
    Map<String, Integer> ordinal = new HashMap<>();
    Map<String, BitSet> nl = new HashMap<>();
    Map<String, BitSet> en = new HashMap<>();
    for (IndexEntry e : entries) {
      int o = ordinal.size();
      ordinal.put(e.id(), o);
      for (String t : e.nl()) {
        nl.computeIfAbsent(t, k -> new BitSet()).set(o);
      }
      for (String t : e.en()) {
        en.computeIfAbsent(t, k -> new BitSet()).set(o);
      }
      for (String t : extraNl.getOrDefault(e.id(), Set.of())) {
        nl.computeIfAbsent(t, k -> new BitSet()).set(o);
      }
      for (String t : extraEn.getOrDefault(e.id(), Set.of())) {
        en.computeIfAbsent(t, k -> new BitSet()).set(o);
      }
    }
    return new Postings(ordinal, nl, en);
  }

  /** The documents that contain each query term directly or only through a thesaurus word. */
  Query query(List<QueryTerm> terms) {
    BitSet[] direct = new BitSet[terms.size()];
    BitSet[] synonym = new BitSet[terms.size()];
    double[] idf = new double[terms.size()];
    for (int i = 0; i < direct.length; i++) {
      QueryTerm t = terms.get(i);
      idf[i] = t.idf();
      BitSet d = new BitSet();
      if (t.nl() != null) {
        d.or(nl.getOrDefault(t.nl(), NONE));
      }
      if (t.en() != null) {
        d.or(en.getOrDefault(t.en(), NONE));
      }
      BitSet s = new BitSet();
      for (String w : t.synNl()) {
        s.or(nl.getOrDefault(w, NONE));
      }
      for (String w : t.synEn()) {
        s.or(en.getOrDefault(w, NONE));
      }
      s.andNot(d);
      direct[i] = d;
      synonym[i] = s;
    }
    return new Query(ordinal, direct, synonym, idf);
  }

  /** One question's term hits. */
  record Query(Map<String, Integer> ordinal, BitSet[] direct, BitSet[] synonym,
      double[] idf) {

    /** The IDF-weighted hits of a document, or NaN when the snapshot does not know it. */
    double hits(String id) {
      Integer o = ordinal.get(id);
      if (o == null) {
        return Double.NaN;
      }
      double hit = 0;
      for (int i = 0; i < direct.length; i++) {
        if (direct[i].get(o)) {
          hit += idf[i];
        } else if (synonym[i].get(o)) {
          hit += QueryTerm.SYNONYM_WEIGHT * idf[i];
        }
      }
      return hit;
    }
  }
}
