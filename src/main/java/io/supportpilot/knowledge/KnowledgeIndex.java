package io.supportpilot.knowledge;

import io.supportpilot.knowledge.SearchResult.ArticleHit;
import io.supportpilot.knowledge.SearchResult.ConversationHit;
import io.supportpilot.knowledge.SearchResult.PatternHit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory search index over articles and resolved conversations: their analysed terms and sentence vectors,
 * the Lucene indexes ({@link LexicalIndex}) and the compiled active patterns ({@link PatternMatcher}), and hybrid
 * search over them, which analyses the question ({@link QueryAnalysis}) and scores candidates ({@link HybridScorer}).
 * Reads are lock-free and thread-safe; writes block (Lucene) and must come from one worker thread at a time, never
 * an event loop.
 */
public final class KnowledgeIndex implements AutoCloseable {

  static final String ARTICLE = "article";
  static final String CONVERSATION = "conversation";
  private static final int CANDIDATES = 50;
  private static final int SHOWN = 5;
  private static final int MAX_TEXT = 10_000;

  private final SearchTuning tuning;
  private final QueryAnalysis analysis;
  private final LexicalIndex lexical;
  private final HybridScorer scorer;
  private final Map<String, IndexEntry> articles = new ConcurrentHashMap<>();
  private final Map<String, IndexEntry> conversations = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> userConversations = new ConcurrentHashMap<>();
  private volatile PatternMatcher patterns = PatternMatcher.EMPTY;
  private volatile Vocabulary vocabulary;
  private volatile VectorMatrix articleVectors = VectorMatrix.EMPTY;
  // Term -> articles containing it (including their patterns' keywords), for coverage. Conversations are scored
  // term by term: only about 50 are candidates, and bit sets over 20,000 of them would cost tens of megabytes.
  private volatile Postings articlePostings = Postings.EMPTY;
  private volatile VectorMatrix conversationVectors = VectorMatrix.EMPTY;

  /** One question prepared for search: its text, language, terms, codes, vector and which signals are used. */
  private record Question(String text, String lang, List<QueryTerm> terms, double idfSum, Set<String> codes,
      float[] vector, boolean useLexical, boolean useVectors, double wCos) {
  }

  /** The best similar conversations and the relevance of the user's own history (null when none). */
  private record Conversations(List<ConversationHit> hits, Double history) {
  }

  /** An empty index with the given tuning and no synonyms. */
  public KnowledgeIndex(SearchTuning tuning) {
    this(tuning, Synonyms.none());
  }

  /** An empty index with the given tuning and domain thesaurus. */
  public KnowledgeIndex(SearchTuning tuning, Synonyms synonyms) {
    this(tuning, new QueryAnalysis(synonyms), new LexicalIndex(), new HybridScorer(tuning));
  }

  /** An empty index over the given (empty) Lucene indexes, with the given question analysis and scorer. */
  KnowledgeIndex(SearchTuning tuning, QueryAnalysis analysis, LexicalIndex lexical, HybridScorer scorer) {
    this.tuning = tuning;
    this.analysis = analysis;
    this.lexical = lexical;
    this.scorer = scorer;
    this.vocabulary = analysis.vocabulary(List.of());
  }

  /**
   * The text to embed for a question: as is for English; for Dutch with the thesaurus words of its domain terms
   * appended, so the English-only model sees the English domain words too.
   */
  public String embeddingText(String text, String language) {
    if (!"nl".equals(language) || !tuning.glossDutch()) {
      return text;
    }
    return analysis.glossed(text);
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

  // ---- writes

  /** Adds or replaces articles with their vectors (one per part); unpublished ones are removed. Blocking. */
  public void putArticles(Map<Article, float[][]> batch) {
    for (Map.Entry<Article, float[][]> e : batch.entrySet()) {
      Article a = e.getKey();
      if (a.published()) {
        putArticle(a, e.getValue());
      } else {
        lexical.deleteArticle(a.slug());
        articles.remove(a.slug());
      }
    }
    commitArticles();
  }

  private void putArticle(Article a, float[][] vectors) {
    String nlText = LexicalIndex.articleText(a.titleNl(), a.contentNl(), a.tags());
    String enText = LexicalIndex.articleText(a.titleEn(), a.contentEn(), a.tags());
    IndexEntry entry = new IndexEntry(a.slug(), a, null, TextAnalysis.terms(TextAnalysis.DUTCH, nlText),
        TextAnalysis.terms(TextAnalysis.ENGLISH, enText), vectors);
    lexical.putArticle(a.slug(), nlText, enText);
    articles.put(a.slug(), entry);
  }

  /** Removes an article. Blocking. */
  public void removeArticle(String slug) {
    lexical.deleteArticle(slug);
    articles.remove(slug);
    commitArticles();
  }

  /** Replaces the active patterns (inactive ones are dropped). */
  public void setPatterns(Collection<SupportPattern> all) {
    PatternMatcher next = PatternMatcher.compile(all);
    patterns = next;
    articlePostings = Postings.build(articles.values(), next.termsNl(), next.termsEn());
  }

  /** Adds or replaces resolved conversations. Blocking. */
  public void putConversations(List<IndexedConversation> batch) {
    for (IndexedConversation c : batch) {
      IndexEntry entry = new IndexEntry(c.id(), null, c, TextAnalysis.terms(TextAnalysis.DUTCH, c.text()),
          TextAnalysis.terms(TextAnalysis.ENGLISH, c.text()), new float[][] {c.vector()});
      lexical.putConversation(c.id(), c.text());
      conversations.put(c.id(), entry);
      if (c.userId() != null) {
        userConversations.computeIfAbsent(c.userId(), u -> ConcurrentHashMap.newKeySet()).add(c.id());
      }
    }
    lexical.refreshConversations();
    conversationVectors = vectors(conversations);
  }

  /** Makes the article changes searchable and rebuilds what is derived from all articles. */
  private void commitArticles() {
    lexical.refreshArticles();
    articleVectors = vectors(articles);
    PatternMatcher p = patterns;
    articlePostings = Postings.build(articles.values(), p.termsNl(), p.termsEn());
    vocabulary = analysis.vocabulary(articles.values().stream().map(e -> new String[][] {
        e.nl().toArray(new String[0]), e.en().toArray(new String[0])}).toList());
  }

  private static VectorMatrix vectors(Map<String, IndexEntry> entries) {
    Map<String, float[][]> vs = new LinkedHashMap<>();
    entries.forEach((id, e) -> vs.put(id, e.vectors()));
    return VectorMatrix.build(vs);
  }

  // ---- search

  /**
   * Searches articles, patterns and conversations for a question. {@code queryVector} may be null (lexical only).
   * Thread-safe and blocking (Lucene); call from a worker.
   */
  public SearchResult search(String subject, String body, String language, String errorCode, String userId,
      float[] queryVector) {
    Question q = question(subject, body, language, errorCode, queryVector);
    PatternMatcher p = patterns;
    // Patterns fire on the raw text (regex), stems (keywords) and error codes.
    List<PatternHit> patternHits = p.match(q.text(), q.terms(), q.codes());
    List<ArticleHit> hits = rankArticles(q, p, patternHits);
    Conversations similar = rankConversations(q, p, userId);
    return new SearchResult(q.lang(), hits, patternHits, similar.hits(), similar.history(), shownTerms(q));
  }

  /** The question's text (at most {@link #MAX_TEXT} characters), language, terms and codes. */
  private Question question(String subject, String body, String language, String errorCode, float[] queryVector) {
    String text = ((subject == null ? "" : subject) + "\n" + (body == null ? "" : body));
    if (text.length() > MAX_TEXT) {
      text = text.substring(0, MAX_TEXT);
    }
    String lang = language != null ? language : TextAnalysis.detectLanguage(text, "nl");
    List<QueryTerm> terms = analysis.terms(text, lang, vocabulary);
    boolean useLexical = !"semantic".equals(tuning.mode());
    boolean useVectors = queryVector != null && !"lexical".equals(tuning.mode());
    double idfSum = terms.stream().mapToDouble(QueryTerm::idf).sum();
    double wCos = scorer.cosineWeight("nl".equals(lang), useLexical, useVectors);
    return new Question(text, lang, terms, idfSum, PatternMatcher.codesIn(text, errorCode), queryVector, useLexical,
        useVectors, wCos);
  }

  /** The best articles: candidates from BM25, the vectors and the patterns that fired, each scored. */
  private List<ArticleHit> rankArticles(Question q, PatternMatcher p, List<PatternHit> patternHits) {
    Map<String, Double> bm25 = q.useLexical() ? lexical.articleBm25(q.terms(), CANDIDATES) : Map.of();
    double bm25Max = bm25.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
    Set<String> candidates = new HashSet<>(bm25.keySet());
    VectorMatrix am = articleVectors;
    float[] cosines = q.useVectors() ? am.maxPerOwner(q.vector()) : null;
    if (q.useVectors()) {
      addTop(candidates, am, cosines);
    }
    Map<String, PatternHit> bestPattern = bestPatternPerArticle(patternHits, candidates);
    Postings.Query articleTerms = articlePostings.query(q.terms());
    List<ArticleHit> hits = new ArrayList<>();
    for (String slug : candidates) {
      IndexEntry e = articles.get(slug);
      if (e == null) {
        continue;
      }
      int ord = q.useVectors() ? am.ordinal(slug) : -1;
      double cos = ord < 0 ? 0 : cosines[ord];
      double coverage = HybridScorer.coverage(articleTerms, q.terms(), q.idfSum(), e, p);
      hits.add(scorer.articleHit(e.article(), q.wCos(), cos, coverage, bm25.getOrDefault(slug, 0.0) / bm25Max,
          bestPattern.get(slug), p.articleHasCode(e.article(), q.codes())));
    }
    return best(hits, Comparator.comparingDouble(ArticleHit::rank).reversed());
  }

  /** The best-scoring hit of each indexed article that fired patterns point to; those articles become candidates. */
  private Map<String, PatternHit> bestPatternPerArticle(List<PatternHit> patternHits, Set<String> candidates) {
    Map<String, PatternHit> best = new HashMap<>();
    for (PatternHit h : patternHits) {
      String slug = h.pattern().articleSlug();
      if (slug != null && articles.containsKey(slug)) {
        candidates.add(slug);
        best.merge(slug, h, (a, b) -> a.score() >= b.score() ? a : b);
      }
    }
    return best;
  }

  /**
   * Similar resolved conversations, and this user's own history. Lexical candidates only when there are no vectors
   * (the vector scan is cheaper than BM25 over many documents, and every candidate is scored with both signals).
   */
  private Conversations rankConversations(Question q, PatternMatcher p, String userId) {
    Map<String, Double> bm25 = q.useLexical() && !q.useVectors() ? lexical.conversationBm25(q.terms(), CANDIDATES)
        : Map.of();
    Set<String> candidates = new HashSet<>(bm25.keySet());
    VectorMatrix cm = conversationVectors;
    float[] cosines = q.useVectors() ? cm.maxPerOwner(q.vector()) : null;
    if (q.useVectors()) {
      addTop(candidates, cm, cosines);
    }
    Set<String> own = userId == null ? Set.of() : userConversations.getOrDefault(userId, Set.of());
    candidates.addAll(own);
    List<ConversationHit> hits = new ArrayList<>();
    Double history = null;
    for (String id : candidates) {
      IndexEntry e = conversations.get(id);
      if (e == null) {
        continue;
      }
      double score = conversationScore(q, p, cm, cosines, e);
      IndexedConversation c = e.conversation();
      hits.add(new ConversationHit(c.id(), c.userId(), c.subject(), score));
      if (own.contains(id)) {
        history = history == null ? score : Math.max(history, score);
      }
    }
    return new Conversations(best(hits, Comparator.comparingDouble(ConversationHit::score).reversed()), history);
  }

  /** The hybrid similarity of a conversation (its cosine from the scan, or computed when it is not in it). */
  private double conversationScore(Question q, PatternMatcher p, VectorMatrix cm, float[] cosines, IndexEntry e) {
    int ord = q.useVectors() ? cm.ordinal(e.id()) : -1;
    double cos = ord >= 0 ? cosines[ord] : q.useVectors() ? Vectors.dot(e.vectors()[0], q.vector()) : 0;
    return scorer.similarity(q.wCos(), cos, HybridScorer.coverage(q.terms(), q.idfSum(), e, p));
  }

  /** Adds the owners of the {@link #CANDIDATES} best cosines to the candidates. */
  private static void addTop(Set<String> candidates, VectorMatrix m, float[] cosines) {
    for (int o : VectorMatrix.top(cosines, CANDIDATES)) {
      candidates.add(m.ownerIds[o]);
    }
  }

  /** The hits sorted (stable) and cut to the {@link #SHOWN} best. */
  private static <T> List<T> best(List<T> hits, Comparator<T> order) {
    hits.sort(order);
    return hits.size() > SHOWN ? new ArrayList<>(hits.subList(0, SHOWN)) : hits;
  }

  /** Each query term as shown: its stem in the question's language, or the other one when it has none. */
  private static List<String> shownTerms(Question q) {
    boolean nl = "nl".equals(q.lang());
    List<String> shown = new ArrayList<>();
    for (QueryTerm t : q.terms()) {
      shown.add(nl && t.nl() != null || t.en() == null ? t.nl() : t.en());
    }
    return shown;
  }

  @Override
  public void close() {
    lexical.close();
  }
}
