package io.supportpilot.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
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
 * The Lucene side of the knowledge index: Dutch and English analysed fields of every article and resolved
 * conversation, and BM25 over them for candidates. One Lucene index per kind: article search must not walk the
 * segments of thousands of conversations, and the small article index is kept at one segment (each admin change
 * would otherwise add one). Searches are thread-safe; writes block and must come from one thread at a time.
 */
final class LexicalIndex implements AutoCloseable {

  private static final String F_ID = "id";
  private static final String F_NL = "nl";
  private static final String F_EN = "en";
  private static final Set<String> ID_ONLY = Set.of(F_ID);
  private static final int BM25_TERMS = 16;
  private static final int SYNONYMS_PER_TERM = 3;

  private final LuceneIndex articles;
  private final LuceneIndex conversations;

  /** Two empty indexes, Dutch analysis for the {@code nl} field and English for the rest. */
  LexicalIndex() {
    Analyzer analyzer = new PerFieldAnalyzerWrapper(TextAnalysis.ENGLISH,
        Map.of(F_NL, TextAnalysis.DUTCH, F_EN, TextAnalysis.ENGLISH));
    articles = new LuceneIndex(analyzer, true);
    conversations = new LuceneIndex(analyzer, false);
  }

  /** The text an article is indexed under in one language: the title twice, the content and the tags. */
  static String articleText(String title, String content, List<String> tags) {
    return TextAnalysis.withIdentifierParts(title + "\n" + title + "\n" + content + "\n" + String.join(" ", tags));
  }

  /** Adds or replaces an article (searchable after {@link #refreshArticles}). */
  void putArticle(String slug, String nlText, String enText) {
    articles.put(slug, nlText, enText);
  }

  /** Removes an article (gone from searches after {@link #refreshArticles}). */
  void deleteArticle(String slug) {
    articles.delete(slug);
  }

  /** Makes the article changes so far searchable. Blocking. */
  void refreshArticles() {
    articles.refresh();
  }

  /** Adds or replaces a conversation, its text in both fields (searchable after {@link #refreshConversations}). */
  void putConversation(String id, String text) {
    conversations.put(id, text, text);
  }

  /** Makes the conversation changes so far searchable. Blocking. */
  void refreshConversations() {
    conversations.refresh();
  }

  /** The ids and BM25 scores of the best {@code n} articles for the terms, with thesaurus expansions. */
  Map<String, Double> articleBm25(List<QueryTerm> terms, int n) {
    return terms.isEmpty() ? Map.of() : articles.search(query(terms, true), n);
  }

  /** The ids and BM25 scores of the best {@code n} conversations for the terms. */
  Map<String, Double> conversationBm25(List<QueryTerm> terms, int n) {
    return terms.isEmpty() ? Map.of() : conversations.search(query(terms, false), n);
  }

  /**
   * Candidate generation only needs the most specific terms: the rarest few (by article IDF), and thesaurus
   * expansions for articles. This bounds the query size whatever the length of the question.
   */
  private static Query query(List<QueryTerm> all, boolean expand) {
    List<QueryTerm> terms = new ArrayList<>(all);
    terms.sort(Comparator.comparingDouble(QueryTerm::idf).reversed());
    if (terms.size() > BM25_TERMS) {
      terms = terms.subList(0, BM25_TERMS);
    }
    BooleanQuery.Builder should = new BooleanQuery.Builder();
    for (QueryTerm t : terms) {
      if (t.nl() != null) {
        should.add(new TermQuery(new Term(F_NL, t.nl())), BooleanClause.Occur.SHOULD);
      }
      if (t.en() != null) {
        should.add(new TermQuery(new Term(F_EN, t.en())), BooleanClause.Occur.SHOULD);
      }
      if (expand) {
        synonyms(should, F_NL, t.nl(), t.synNl());
        synonyms(should, F_EN, t.en(), t.synEn());
      }
    }
    return should.build();
  }

  /** The first few thesaurus words of a term other than its own stem, at half weight. */
  private static void synonyms(BooleanQuery.Builder should, String field, String stem, Set<String> words) {
    int n = 0;
    for (String syn : words) {
      if (n++ < SYNONYMS_PER_TERM && !syn.equals(stem)) {
        should.add(new BoostQuery(new TermQuery(new Term(field, syn)), 0.5f), BooleanClause.Occur.SHOULD);
      }
    }
  }

  @Override
  public void close() {
    articles.close();
    conversations.close();
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
    void put(String id, String nl, String en) {
      try {
        writer.updateDocument(new Term(F_ID, id), doc(id, nl, en));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void delete(String id) {
      try {
        writer.deleteDocuments(new Term(F_ID, id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Makes the changes so far searchable (blocking; the index writer's thread). */
    void refresh() {
      try {
        if (compact) {
          writer.forceMerge(1);
        }
        searchers.maybeRefreshBlocking();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The ids and BM25 scores of the best {@code n} documents. */
    Map<String, Double> search(Query q, int n) {
      Map<String, Double> out = new HashMap<>();
      try {
        IndexSearcher s = searchers.acquire();
        try {
          TopDocs top = s.search(q, n);
          StoredFields stored = s.storedFields();
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
}
