package io.supportpilot.knowledge;

import io.supportpilot.store.EmbeddedDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The measurement behind the choice of lexical engine (the issue: "Lucene's analyzers or Postgres full-text search;
 * choose by measurement"). Both engines get the same bilingual articles (a Dutch and an English field) and the same
 * query (every word of the question, OR-ed, stemmed by each engine's own Dutch and English analysis), with their
 * stock ranking: Lucene BM25 and Postgres {@code ts_rank} / {@code ts_rank_cd}. Prints top-1 article accuracy per
 * language on labelled questions and the per-query latency with the knowledge base as given and copied up to 1,000
 * articles. No thesaurus, typo correction or decompounding on either side: those are the engine's own additions on
 * top of whichever engine is chosen.
 *
 * <p>Usage: {@code LexicalComparison <kb.json> <questions.jsonl>} (see {@code scripts/eval.sh --lexical-engines}).
 */
public final class LexicalComparison {

  private static final int SCALED_ARTICLES = 1000;
  private static final int WARM_UP_PASSES = 10;

  private LexicalComparison() {
  }

  /** Runs the comparison; exits 0 on success. */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: LexicalComparison <kb.json> <questions.jsonl>");
      System.exit(2);
    }
    JsonArray articles = new JsonObject(Files.readString(Path.of(args[0]))).getJsonArray("articles");
    List<JsonObject> questions = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[1]))) {
      if (!line.isBlank()) {
        questions.add(new JsonObject(line));
      }
    }
    Path data = Files.createTempDirectory("supportpilot-lexical");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0);
        Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + db.port() + "/postgres",
            "postgres", "postgres")) {
      for (int copies : new int[] {1, Math.max(1, SCALED_ARTICLES / articles.size())}) {
        Lucene lucene = new Lucene(articles, copies);
        Postgres pg = new Postgres(c, articles, copies);
        System.out.printf(Locale.ROOT, "%n== %d articles ==%n", articles.size() * copies);
        System.out.printf(Locale.ROOT, "%-40s %-16s %-16s %-16s %s%n", "engine", "top-1 nl", "top-1 en",
            "top-1 all", "latency p50 / p99 per query");
        report("Lucene 9 BM25 (Dutch/EnglishAnalyzer)", questions, lucene::top);
        report("Postgres 17 ts_rank (dutch/english)", questions, q -> pg.top(q, "ts_rank"));
        report("Postgres 17 ts_rank_cd (dutch/english)", questions, q -> pg.top(q, "ts_rank_cd"));
        lucene.close();
      }
    } finally {
      TriageEvaluation.deleteTree(data);
    }
    System.exit(0);
  }

  private interface Ranker {
    String top(String question) throws Exception;
  }

  private static void report(String name, List<JsonObject> questions, Ranker ranker) throws Exception {
    Map<String, int[]> perLang = new LinkedHashMap<>();
    int[] all = new int[2];
    List<Long> nanos = new ArrayList<>();
    // Untimed passes warm up the JIT and the Postgres caches; the last pass is timed.
    for (int pass = 0; pass < WARM_UP_PASSES + 1; pass++) {
      for (JsonObject q : questions) {
        String gold = q.getString("gold_article");
        String text = q.getString("subject", "") + ". " + q.getString("body", "");
        long t0 = System.nanoTime();
        String top = ranker.top(text);
        if (pass < WARM_UP_PASSES) {
          continue;
        }
        nanos.add(System.nanoTime() - t0);
        if (gold == null) {
          continue;
        }
        // Copies are named slug~n: any copy of the gold article counts.
        boolean hit = top != null && top.replaceFirst("~\\d+$", "").equals(gold);
        int[] t = perLang.computeIfAbsent(q.getString("lang"), k -> new int[2]);
        t[0]++;
        all[0]++;
        if (hit) {
          t[1]++;
          all[1]++;
        }
      }
    }
    nanos.sort(null);
    int[] nl = perLang.getOrDefault("nl", new int[2]);
    int[] en = perLang.getOrDefault("en", new int[2]);
    System.out.printf(Locale.ROOT, "%-40s %-16s %-16s %-16s %.2f / %.2f ms%n", name, share(nl), share(en),
        share(all), nanos.get(nanos.size() / 2) / 1e6,
        nanos.get(Math.min(nanos.size() - 1, (int) Math.ceil(nanos.size() * 0.99) - 1)) / 1e6);
  }

  private static String share(int[] t) {
    return String.format(Locale.ROOT, "%d/%d=%.1f%%", t[1], t[0], t[0] == 0 ? 0 : 100.0 * t[1] / t[0]);
  }

  /** The question's words as plain alphanumeric tokens (no operators can reach either query language). */
  static List<String> plainWords(String text) {
    List<String> out = new ArrayList<>();
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  private static String nlText(JsonObject a) {
    return a.getString("title_nl") + "\n" + a.getString("content_nl") + "\n"
        + String.join(" ", a.getJsonArray("tags", new JsonArray()).stream().map(String::valueOf).toList());
  }

  private static String enText(JsonObject a) {
    return a.getString("title_en") + "\n" + a.getString("content_en") + "\n"
        + String.join(" ", a.getJsonArray("tags", new JsonArray()).stream().map(String::valueOf).toList());
  }

  private static final class Lucene implements AutoCloseable {
    private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
    private final DirectoryReader reader;
    private final IndexSearcher searcher;

    Lucene(JsonArray articles, int copies) throws Exception {
      Map<String, Analyzer> fields = Map.of("nl", TextAnalysis.DUTCH, "en", TextAnalysis.ENGLISH);
      try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(
          new org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper(TextAnalysis.ENGLISH, fields)))) {
        for (int n = 0; n < copies; n++) {
          for (Object o : articles) {
            JsonObject a = (JsonObject) o;
            Document d = new Document();
            d.add(new StringField("slug", a.getString("slug") + "~" + n, Field.Store.YES));
            d.add(new TextField("nl", nlText(a), Field.Store.NO));
            d.add(new TextField("en", enText(a), Field.Store.NO));
            w.addDocument(d);
          }
        }
      }
      reader = DirectoryReader.open(dir);
      searcher = new IndexSearcher(reader);
    }

    String top(String question) throws Exception {
      String words = String.join(" ", plainWords(question));
      BooleanQuery.Builder q = new BooleanQuery.Builder();
      for (String t : TextAnalysis.tokens(TextAnalysis.DUTCH, words)) {
        q.add(new TermQuery(new Term("nl", t)), BooleanClause.Occur.SHOULD);
      }
      for (String t : TextAnalysis.tokens(TextAnalysis.ENGLISH, words)) {
        q.add(new TermQuery(new Term("en", t)), BooleanClause.Occur.SHOULD);
      }
      TopDocs top = searcher.search(q.build(), 1);
      return top.scoreDocs.length == 0 ? null
          : searcher.storedFields().document(top.scoreDocs[0].doc).get("slug");
    }

    @Override
    public void close() throws Exception {
      reader.close();
      dir.close();
    }
  }

  private static final class Postgres {
    private final Connection c;

    Postgres(Connection c, JsonArray articles, int copies) throws SQLException {
      this.c = c;
      try (var s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS lexical_articles");
        s.execute("CREATE TABLE lexical_articles (slug text PRIMARY KEY, nl tsvector NOT NULL, en tsvector NOT NULL)");
      }
      try (PreparedStatement p = c.prepareStatement("INSERT INTO lexical_articles VALUES"
          + " (?, to_tsvector('dutch', ?), to_tsvector('english', ?))")) {
        for (int n = 0; n < copies; n++) {
          for (Object o : articles) {
            JsonObject a = (JsonObject) o;
            p.setString(1, a.getString("slug") + "~" + n);
            p.setString(2, nlText(a));
            p.setString(3, enText(a));
            p.addBatch();
          }
        }
        p.executeBatch();
      }
      try (var s = c.createStatement()) {
        s.execute("CREATE INDEX ON lexical_articles USING gin (nl)");
        s.execute("CREATE INDEX ON lexical_articles USING gin (en)");
        s.execute("ANALYZE lexical_articles");
      }
    }

    String top(String question, String rank) throws SQLException {
      String or = String.join(" | ", plainWords(question));
      if (or.isEmpty()) {
        return null;
      }
      String sql = "SELECT slug FROM lexical_articles, to_tsquery('dutch', ?) qn, to_tsquery('english', ?) qe"
          + " WHERE nl @@ qn OR en @@ qe ORDER BY " + rank + "(nl, qn) + " + rank + "(en, qe) DESC LIMIT 1";
      try (PreparedStatement p = c.prepareStatement(sql)) {
        p.setString(1, or);
        p.setString(2, or);
        try (ResultSet r = p.executeQuery()) {
          return r.next() ? r.getString(1) : null;
        }
      }
    }
  }
}
