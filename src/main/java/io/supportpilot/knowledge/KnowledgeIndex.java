package io.supportpilot.knowledge;

import io.supportpilot.knowledge.SearchResult.ArticleHit;
import io.supportpilot.knowledge.SearchResult.ConversationHit;
import io.supportpilot.knowledge.SearchResult.PatternHit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The in-memory search index: a Lucene index (Dutch and English analysed fields, BM25) over articles and resolved
 * conversations, their sentence vectors, and the compiled active patterns. Reads are lock-free and thread-safe;
 * writes block (Lucene) and must come from one worker thread at a time, never an event loop.
 */
public final class KnowledgeIndex implements AutoCloseable {

  static final String ARTICLE = "article";
  static final String CONVERSATION = "conversation";
  private static final String F_ID = "id";
  private static final String F_NL = "nl";
  private static final String F_EN = "en";
  private static final int CANDIDATES = 50;
  private static final int BM25_TERMS = 16;
  private static final int SYNONYMS_PER_TERM = 3;
  private static final int MAX_TEXT = 10_000;
  private static final Set<String> ID_ONLY = Set.of(F_ID);
  private static final Pattern NUMBER = Pattern.compile("\\d+([.,]\\d+)*");

  private final SearchTuning tuning;
  // One Lucene index per kind: article search must not walk the segments of thousands of conversations, and the
  // small article index is kept at one segment (each admin change would otherwise add one).
  private final LuceneIndex articleIndex;
  private final LuceneIndex conversationIndex;
  private final Map<String, IndexEntry> articles = new ConcurrentHashMap<>();
  private final Map<String, IndexEntry> conversations = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> userConversations = new ConcurrentHashMap<>();
  private volatile Map<String, CompiledPattern> patterns = Map.of();
  // Error code -> slugs of the articles whose active patterns know it.
  private volatile Map<String, Set<String>> codeArticles = Map.of();
  // Stems of the keywords of the active patterns that point to an article: they describe it too.
  private volatile Map<String, Set<String>> patternTermsNl = Map.of();
  private volatile Map<String, Set<String>> patternTermsEn = Map.of();
  private volatile Vocabulary vocabulary;
  private volatile VectorMatrix articleVectors = VectorMatrix.EMPTY;
  // Term -> articles containing it (including their patterns' keywords), for coverage. Conversations are scored
  // term by term: only about 50 are candidates, and bit sets over 20,000 of them would cost tens of megabytes.
  private volatile Postings articlePostings = Postings.EMPTY;
  private volatile VectorMatrix conversationVectors = VectorMatrix.EMPTY;

  /** A pattern ready to match: compiled regex and stemmed keywords. */
  private record CompiledPattern(SupportPattern pattern, Pattern regex, List<Keyword> keywords, Set<String> codes) {
  }

  private record Keyword(String text, Set<String> nl, Set<String> en) {
  }

  private final Synonyms synonyms;

  /** An empty index with the given tuning and no synonyms. */
  public KnowledgeIndex(SearchTuning tuning) {
    this(tuning, Synonyms.none());
  }

  /** An empty index with the given tuning and domain thesaurus. */
  public KnowledgeIndex(SearchTuning tuning, Synonyms synonyms) {
    this.tuning = tuning;
    this.synonyms = synonyms;
    this.vocabulary = Vocabulary.build(List.of(), synonyms);
    Analyzer analyzer = new PerFieldAnalyzerWrapper(TextAnalysis.ENGLISH,
        Map.of(F_NL, TextAnalysis.DUTCH, F_EN, TextAnalysis.ENGLISH));
    articleIndex = new LuceneIndex(analyzer, true);
    conversationIndex = new LuceneIndex(analyzer, false);
  }

  /**
   * The text to embed for a question: as is for English; for Dutch with the thesaurus words of its domain terms
   * appended, so the English-only model sees the English domain words too.
   */
  public String embeddingText(String text, String language) {
    if (!"nl".equals(language) || !tuning.glossDutch()) {
      return text;
    }
    String gloss = synonyms.gloss(text);
    return gloss.isEmpty() ? text : text + " (" + gloss + ")";
  }

  /** The tuning in use. */
  public SearchTuning tuning() {
    return tuning;
  }

  /** Number of indexed (published) articles. */
  public int articleCount() {
    return articles.size();
  }

  /** Number of indexed resolved conversations. */
  public int conversationCount() {
    return conversations.size();
  }

  /** Adds or replaces articles with their vectors (one per part); unpublished ones are removed. Blocking. */
  public void putArticles(Map<Article, float[][]> batch) {
    try {
      for (Map.Entry<Article, float[][]> e : batch.entrySet()) {
        Article a = e.getKey();
        if (!a.published()) {
          articleIndex.delete(a.slug());
          articles.remove(a.slug());
          continue;
        }
        String nlText = TextAnalysis.withIdentifierParts(
            a.titleNl() + "\n" + a.titleNl() + "\n" + a.contentNl() + "\n" + String.join(" ", a.tags()));
        String enText = TextAnalysis.withIdentifierParts(
            a.titleEn() + "\n" + a.titleEn() + "\n" + a.contentEn() + "\n" + String.join(" ", a.tags()));
        IndexEntry entry = new IndexEntry(a.slug(), a, null, TextAnalysis.terms(TextAnalysis.DUTCH, nlText),
            TextAnalysis.terms(TextAnalysis.ENGLISH, enText), e.getValue());
        articleIndex.put(a.slug(), nlText, enText);
        articles.put(a.slug(), entry);
      }
      commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes an article. Blocking. */
  public void removeArticle(String slug) {
    try {
      articleIndex.delete(slug);
      articles.remove(slug);
      commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces the active patterns (inactive ones are dropped). */
  public void setPatterns(Collection<SupportPattern> all) {
    Map<String, CompiledPattern> next = new LinkedHashMap<>();
    for (SupportPattern p : all) {
      if (p.active()) {
        next.put(p.id(), compile(p));
      }
    }
    Map<String, Set<String>> nlTerms = new HashMap<>();
    Map<String, Set<String>> enTerms = new HashMap<>();
    for (CompiledPattern cp : next.values()) {
      String slug = cp.pattern().articleSlug();
      if (slug == null) {
        continue;
      }
      for (Keyword k : cp.keywords()) {
        nlTerms.computeIfAbsent(slug, x -> new HashSet<>()).addAll(k.nl());
        enTerms.computeIfAbsent(slug, x -> new HashSet<>()).addAll(k.en());
      }
    }
    Map<String, Set<String>> byCode = new HashMap<>();
    for (CompiledPattern cp : next.values()) {
      if (cp.pattern().articleSlug() != null) {
        for (String c : cp.codes()) {
          byCode.computeIfAbsent(c, x -> new HashSet<>()).add(cp.pattern().articleSlug());
        }
      }
    }
    codeArticles = Map.copyOf(byCode);
    // In the store's order: Map.copyOf iterates in an order that changes between JVM runs, and ties between
    // pattern scores must not decide differently on every start.
    patterns = java.util.Collections.unmodifiableMap(next);
    patternTermsNl = Map.copyOf(nlTerms);
    patternTermsEn = Map.copyOf(enTerms);
    articlePostings = Postings.build(articles.values(), patternTermsNl, patternTermsEn);
  }

  /** Adds or replaces resolved conversations. Blocking. */
  public void putConversations(List<IndexedConversation> batch) {
    try {
      for (IndexedConversation c : batch) {
        IndexEntry entry = new IndexEntry(c.id(), null, c, TextAnalysis.terms(TextAnalysis.DUTCH, c.text()),
            TextAnalysis.terms(TextAnalysis.ENGLISH, c.text()), new float[][] {c.vector()});
        conversationIndex.put(c.id(), c.text(), c.text());
        conversations.put(c.id(), entry);
        if (c.userId() != null) {
          userConversations.computeIfAbsent(c.userId(), u -> ConcurrentHashMap.newKeySet()).add(c.id());
        }
      }
      conversationIndex.refresh();
      Map<String, float[][]> vs = new LinkedHashMap<>();
      conversations.forEach((id, e) -> vs.put(id, e.vectors()));
      conversationVectors = VectorMatrix.build(vs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Searches articles, patterns and conversations for a question. {@code queryVector} may be null (lexical only).
   * Thread-safe and blocking (Lucene); call from a worker.
   */
  public SearchResult search(String subject, String body, String language, String errorCode, String userId,
      float[] queryVector) {
    String text = ((subject == null ? "" : subject) + "\n" + (body == null ? "" : body));
    if (text.length() > MAX_TEXT) {
      text = text.substring(0, MAX_TEXT);
    }
    String lang = language != null ? language : TextAnalysis.detectLanguage(text, "nl");
    Vocabulary vocab = vocabulary;
    List<QueryTerm> terms = queryTerms(text, lang, vocab);
    boolean useLexical = !"semantic".equals(tuning.mode());
    boolean useVectors = queryVector != null && !"lexical".equals(tuning.mode());

    // Patterns fire on the raw text (regex), stems (keywords) and error codes.
    Set<String> nlStems = new HashSet<>();
    Set<String> enStems = new HashSet<>();
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
    Set<String> textCodes = codesIn(text);
    if (errorCode != null && !errorCode.isBlank()) {
      textCodes.add(errorCode.trim().toUpperCase(Locale.ROOT));
    }
    List<PatternHit> patternHits = new ArrayList<>();
    for (CompiledPattern cp : patterns.values()) {
      PatternHit hit = matchPattern(cp, text, nlStems, enStems, textCodes);
      if (hit != null) {
        patternHits.add(hit);
      }
    }
    patternHits.sort(Comparator.comparingDouble(PatternHit::score).reversed());

    // Article candidates: BM25 top-k, vector top-k, and the articles patterns point to.
    Map<String, Double> bm25 = useLexical ? bm25(ARTICLE, terms) : Map.of();
    double bm25Max = bm25.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    Set<String> candidates = new HashSet<>(bm25.keySet());
    VectorMatrix am = articleVectors;
    float[] articleCos = useVectors ? am.maxPerOwner(queryVector) : null;
    if (useVectors) {
      for (int o : VectorMatrix.top(articleCos, CANDIDATES)) {
        candidates.add(am.ownerIds[o]);
      }
    }
    Map<String, PatternHit> bestPatternPerArticle = new HashMap<>();
    for (PatternHit h : patternHits) {
      String slug = h.pattern().articleSlug();
      if (slug != null && articles.containsKey(slug)) {
        candidates.add(slug);
        bestPatternPerArticle.merge(slug, h, (a, b) -> a.score() >= b.score() ? a : b);
      }
    }
    double idfSum = terms.stream().mapToDouble(QueryTerm::idf).sum();
    Postings.Query articleTerms = articlePostings.query(terms);
    boolean nl = "nl".equals(lang);
    double wCos = !useVectors ? 0 : !useLexical ? 1 : nl ? tuning.cosineWeightNl() : tuning.cosineWeightEn();
    List<ArticleHit> hits = new ArrayList<>();
    for (String slug : candidates) {
      IndexEntry e = articles.get(slug);
      if (e == null) {
        continue;
      }
      int ord = useVectors ? am.ordinal(slug) : -1;
      double cos = ord < 0 ? 0 : articleCos[ord];
      double coverage = coverage(articleTerms, terms, idfSum, e);
      double similarity = wCos * calibrate(cos) + (1 - wCos) * coverage;
      PatternHit ph = bestPatternPerArticle.get(slug);
      double pScore = ph == null ? 0 : ph.score();
      boolean codeHit = articleHasCode(e.article(), textCodes);
      double b = bm25.getOrDefault(slug, 0.0) / bm25Max;
      double rank = similarity + tuning.bm25RankWeight() * b + tuning.patternRankWeight() * pScore
          + tuning.errorCodeRankWeight() * (codeHit ? 1 : 0);
      hits.add(new ArticleHit(e.article(), rank, similarity, cos, coverage, b, pScore, codeHit,
          ph == null ? null : ph.pattern()));
    }
    hits.sort(Comparator.comparingDouble(ArticleHit::rank).reversed());
    if (hits.size() > 5) {
      hits = new ArrayList<>(hits.subList(0, 5));
    }

    // Similar resolved conversations, and this user's own history.
    // Conversations: lexical candidates only when there are no vectors (the vector scan is cheaper than BM25 over
    // many documents, and every candidate is scored with both signals below).
    Map<String, Double> convBm25 = useLexical && !useVectors ? bm25(CONVERSATION, terms) : Map.of();
    Set<String> convCandidates = new HashSet<>(convBm25.keySet());
    VectorMatrix cm = conversationVectors;
    float[] convScores = useVectors ? cm.maxPerOwner(queryVector) : null;
    if (useVectors) {
      for (int o : VectorMatrix.top(convScores, CANDIDATES)) {
        convCandidates.add(cm.ownerIds[o]);
      }
    }
    Set<String> own = userId == null ? Set.of() : userConversations.getOrDefault(userId, Set.of());
    convCandidates.addAll(own);
    List<ConversationHit> convHits = new ArrayList<>();
    Double history = null;
    for (String id : convCandidates) {
      IndexEntry e = conversations.get(id);
      if (e == null) {
        continue;
      }
      int ord = useVectors ? cm.ordinal(id) : -1;
      double cos = ord >= 0 ? convScores[ord] : useVectors ? Vectors.dot(e.vectors()[0], queryVector) : 0;
      double score = wCos * calibrate(cos) + (1 - wCos) * coverage(terms, idfSum, e);
      IndexedConversation c = e.conversation();
      convHits.add(new ConversationHit(c.id(), c.userId(), c.subject(), score));
      if (own.contains(id)) {
        history = history == null ? score : Math.max(history, score);
      }
    }
    convHits.sort(Comparator.comparingDouble(ConversationHit::score).reversed());
    if (convHits.size() > 5) {
      convHits = new ArrayList<>(convHits.subList(0, 5));
    }
    List<String> shown = new ArrayList<>();
    for (QueryTerm t : terms) {
      shown.add(nl && t.nl() != null || t.en() == null ? t.nl() : t.en());
    }
    return new SearchResult(lang, hits, patternHits, convHits, history, shown);
  }

  @Override
  public void close() {
    articleIndex.close();
    conversationIndex.close();
  }

  // ---- scoring pieces

  private double calibrate(double cos) {
    double v = (cos - tuning.cosineFloor()) / (tuning.cosineCeiling() - tuning.cosineFloor());
    return Math.max(0, Math.min(1, v));
  }

  /**
   * IDF-weighted share of the question's terms that the document contains (in either language), from the
   * postings when the document is in them, else term by term.
   */
  private double coverage(Postings.Query q, List<QueryTerm> terms, double idfSum, IndexEntry e) {
    if (idfSum <= 0) {
      return 0;
    }
    double hit = q.hits(e.id());
    return Double.isNaN(hit) ? coverage(terms, idfSum, e) : hit / idfSum;
  }

  /** IDF-weighted share of the question's terms that the document contains (in either language). */
  private double coverage(List<QueryTerm> terms, double idfSum, IndexEntry e) {
    if (idfSum <= 0) {
      return 0;
    }
    Set<String> extraNl = e.article() == null ? Set.of() : patternTermsNl.getOrDefault(e.id(), Set.of());
    Set<String> extraEn = e.article() == null ? Set.of() : patternTermsEn.getOrDefault(e.id(), Set.of());
    double hit = 0;
    for (QueryTerm t : terms) {
      if ((t.nl() != null && (e.nl().contains(t.nl()) || extraNl.contains(t.nl())))
          || (t.en() != null && (e.en().contains(t.en()) || extraEn.contains(t.en())))) {
        hit += t.idf();
      } else if (containsAny(e.nl(), t.synNl()) || containsAny(e.en(), t.synEn()) || containsAny(extraNl, t.synNl())
          || containsAny(extraEn, t.synEn())) {
        hit += QueryTerm.SYNONYM_WEIGHT * t.idf();
      }
    }
    return hit / idfSum;
  }

  private static boolean containsAny(Set<String> set, Set<String> any) {
    for (String a : any) {
      if (set.contains(a)) {
        return true;
      }
    }
    return false;
  }

  private List<QueryTerm> queryTerms(String text, String lang, Vocabulary vocab) {
    List<QueryTerm> out = new ArrayList<>();
    for (QueryTerm t : baseTerms(text, lang, vocab)) {
      List<Set<String>> syn = synonyms.expand(t.nl(), t.en());
      out.add(syn.get(0).isEmpty() && syn.get(1).isEmpty() ? t
          : new QueryTerm(t.word(), t.nl(), t.en(), t.idf(), syn.get(0), syn.get(1)));
    }
    return out;
  }

  private List<QueryTerm> baseTerms(String text, String lang, Vocabulary vocab) {
    boolean nl = "nl".equals(lang);
    Map<String, QueryTerm> out = new LinkedHashMap<>();
    for (String w : TextAnalysis.words(text)) {
      if (w.length() < 2 || out.containsKey(w)) {
        continue;
      }
      String n = TextAnalysis.stem(TextAnalysis.DUTCH, w);
      String e = TextAnalysis.stem(TextAnalysis.ENGLISH, w);
      if ((nl && n == null) || (!nl && e == null) || (n == null && e == null)) {
        continue;
      }
      int df = vocab.df(n, e);
      double weight = 1;
      if (df == 0) {
        if (NUMBER.matcher(w).matches()) {
          continue;
        }
        String[] parts = vocab.decompound(w);
        if (parts != null) {
          // A Dutch compound of two known words: each part explains half of the word.
          int df0 = vocab.df(parts[0], null);
          int df1 = vocab.df(parts[1], null);
          out.put(w, new QueryTerm(w, parts[0], null, 0.5 * vocab.idf(df0)));
          out.put(w + "#2", new QueryTerm(w, parts[1], null, 0.5 * vocab.idf(df1)));
          continue;
        }
        String[] fixed = vocab.correct(n, e, nl);
        if (fixed != null) {
          n = fixed[0];
          e = fixed[1];
          df = vocab.df(n, e);
          weight = 0.75;
        }
      }
      out.put(w, new QueryTerm(w, n, e, weight * vocab.idf(df)));
    }
    if (nl) {
      separableVerbs(TextAnalysis.words(text), vocab, out);
    }
    return new ArrayList<>(out.values());
  }

  /** Particles of Dutch separable verbs ({@code opzeggen}: "ik zeg het op"). */
  private static final Set<String> PARTICLES = Set.of("op", "af", "aan", "uit", "in", "mee", "terug", "door", "toe",
      "weg", "over", "na", "vast", "bij", "om", "los", "voor", "neer", "samen", "binnen", "open", "dicht");
  private static final int PARTICLE_REACH = 8;

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
        for (String form : verbForms(verb)) {
          String stem = TextAnalysis.stem(TextAnalysis.DUTCH, particle + form);
          int df = stem == null ? 0 : vocab.df(stem, null);
          if (df > 0) {
            out.put(particle + verb, new QueryTerm(particle + verb, stem, null, vocab.idf(df)));
            break;
          }
        }
      }
    }
  }

  private Map<String, Double> bm25(String kind, List<QueryTerm> all) {
    if (all.isEmpty()) {
      return Map.of();
    }
    // Candidate generation only needs the most specific terms: the rarest few (by article IDF), and thesaurus
    // expansions for articles. This bounds the query size whatever the length of the question.
    List<QueryTerm> terms = new ArrayList<>(all);
    terms.sort(Comparator.comparingDouble(QueryTerm::idf).reversed());
    if (terms.size() > BM25_TERMS) {
      terms = terms.subList(0, BM25_TERMS);
    }
    boolean expand = ARTICLE.equals(kind);
    BooleanQuery.Builder should = new BooleanQuery.Builder();
    for (QueryTerm t : terms) {
      if (t.nl() != null) {
        should.add(new TermQuery(new Term(F_NL, t.nl())), BooleanClause.Occur.SHOULD);
      }
      if (t.en() != null) {
        should.add(new TermQuery(new Term(F_EN, t.en())), BooleanClause.Occur.SHOULD);
      }
      if (expand) {
        int n = 0;
        for (String syn : t.synNl()) {
          if (n++ < SYNONYMS_PER_TERM && !syn.equals(t.nl())) {
            should.add(new BoostQuery(new TermQuery(new Term(F_NL, syn)), 0.5f), BooleanClause.Occur.SHOULD);
          }
        }
        n = 0;
        for (String syn : t.synEn()) {
          if (n++ < SYNONYMS_PER_TERM && !syn.equals(t.en())) {
            should.add(new BoostQuery(new TermQuery(new Term(F_EN, syn)), 0.5f), BooleanClause.Occur.SHOULD);
          }
        }
      }
    }
    return (ARTICLE.equals(kind) ? articleIndex : conversationIndex).search(should.build(), CANDIDATES);
  }

  private static PatternHit matchPattern(CompiledPattern cp, String text, Set<String> nlStems, Set<String> enStems,
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

  private boolean articleHasCode(Article a, Set<String> codes) {
    if (codes.isEmpty()) {
      return false;
    }
    for (String t : a.tags()) {
      if (codes.contains(t.toUpperCase(Locale.ROOT))) {
        return true;
      }
    }
    Map<String, Set<String>> byCode = codeArticles;
    for (String c : codes) {
      if (byCode.getOrDefault(c, Set.of()).contains(a.slug())) {
        return true;
      }
    }
    return false;
  }

  private static final Pattern CODE = Pattern.compile("\\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\\b|\\b[1-5]\\d\\d\\b");

  /** Error-code-like tokens in the text (UPPER_SNAKE codes and HTTP statuses as {@code HTTP_nnn}). */
  private static Set<String> codesIn(String text) {
    Set<String> out = new HashSet<>();
    Matcher m = CODE.matcher(text);
    while (m.find()) {
      String c = m.group();
      out.add(Character.isDigit(c.charAt(0)) ? "HTTP_" + c : c);
    }
    return out;
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

  private static Document doc(String id, String nl, String en) {
    Document d = new Document();
    d.add(new StringField(F_ID, id, Field.Store.YES));
    d.add(new TextField(F_NL, nl, Field.Store.NO));
    d.add(new TextField(F_EN, en, Field.Store.NO));
    return d;
  }

  /**
   * One in-memory Lucene index with near-real-time searchers. A compact one is merged into a single segment at every
   * refresh: cheap for the article index (at most a few thousand small documents), and it keeps the per-segment
   * cost of every term of every question (a term dictionary lookup and its buffers) to one segment.
   */
  private static final class LuceneIndex {
    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final boolean compact;

    LuceneIndex(Analyzer analyzer, boolean compact) {
      this.compact = compact;
      try {
        writer = new IndexWriter(dir, new IndexWriterConfig(analyzer).setOpenMode(IndexWriterConfig.OpenMode.CREATE));
        searchers = new SearcherManager(writer, null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Adds or replaces a document with its Dutch and English text (searchable after {@link #refresh}). */
    void put(String id, String nl, String en) throws IOException {
      writer.updateDocument(new Term(F_ID, id), doc(id, nl, en));
    }

    void delete(String id) throws IOException {
      writer.deleteDocuments(new Term(F_ID, id));
    }

    /** Makes the changes so far searchable (blocking; the index writer's thread). */
    void refresh() throws IOException {
      if (compact) {
        writer.forceMerge(1);
      }
      searchers.maybeRefreshBlocking();
    }

    /** The ids and BM25 scores of the best {@code n} documents. */
    Map<String, Double> search(Query q, int n) {
      Map<String, Double> out = new HashMap<>();
      try {
        IndexSearcher s = searchers.acquire();
        try {
          TopDocs top = s.search(q, n);
          org.apache.lucene.index.StoredFields stored = s.storedFields();
          for (ScoreDoc sd : top.scoreDocs) {
            out.put(stored.document(sd.doc, ID_ONLY).get(F_ID), (double) sd.score);
          }
        } finally {
          searchers.release(s);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }

    void close() {
      try {
        searchers.close();
        writer.close();
        dir.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }


  private void commit() throws IOException {
    articleIndex.refresh();
    Map<String, float[][]> vs = new LinkedHashMap<>();
    articles.forEach((id, e) -> vs.put(id, e.vectors()));
    articleVectors = VectorMatrix.build(vs);
    articlePostings = Postings.build(articles.values(), patternTermsNl, patternTermsEn);
    vocabulary = Vocabulary.build(articles.values().stream().map(e -> new String[][] {
        e.nl().toArray(new String[0]), e.en().toArray(new String[0])}).toList(), synonyms);
  }
}
