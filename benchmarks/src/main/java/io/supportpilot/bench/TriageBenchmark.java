package io.supportpilot.bench;

import io.supportpilot.knowledge.Article;
import io.supportpilot.knowledge.IndexedConversation;
import io.supportpilot.knowledge.KnowledgeIndex;
import io.supportpilot.knowledge.LocalEmbedder;
import io.supportpilot.knowledge.SearchTuning;
import io.supportpilot.knowledge.SupportPattern;
import io.supportpilot.knowledge.Synonyms;
import io.supportpilot.knowledge.Vectors;
import io.supportpilot.triage.TriageEngine;
import io.supportpilot.triage.TriageQuery;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Triage latency (query embedding with the local ONNX model + hybrid search + confidence scoring) with 1,000
 * bilingual articles, 200 patterns and 10,000 resolved conversations indexed. Sample mode reports percentiles
 * (p0.99 is the target: under 20 ms). Document vectors are random unit vectors (search cost does not depend on
 * their values); the question is embedded for real on every operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TriageBenchmark extends BenchmarkBase {

  private static final String[] NL = ("koppeling verlopen token exact online administratie factuur btw bedrag"
      + " limiet quotum aanroepen verzoek minuut fout melding assistent claude cursor chatgpt connector sleutel"
      + " wachtwoord gebruiker team abonnement opzeggen betaling incasso privacy gegevens export verwijderen"
      + " beveiliging versie update server installatie configuratie instellingen tools rapport periode jaar"
      + " grootboek boeking debiteuren crediteuren saldo omzet kosten storing traag timeout leeg resultaten")
      .split(" ");
  private static final String[] EN = ("connection expired token exact online administration invoice vat amount"
      + " limit quota calls request minute error message assistant claude cursor chatgpt connector key password"
      + " user team subscription cancel payment debit privacy data export delete security version update server"
      + " installation configuration settings tools report period year ledger entry receivables payables balance"
      + " revenue costs outage slow timeout empty results").split(" ");

  private Vertx vertx;
  private LocalEmbedder embedder;
  private TriageEngine triage;
  private KnowledgeIndex index;
  private List<String[]> questions;
  private List<float[]> questionVectors;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    vertx = Vertx.vertx();
    embedder = new LocalEmbedder(vertx);
    Path synonyms = Path.of("conf/knowledge-synonyms.txt");
    index = new KnowledgeIndex(SearchTuning.defaults("hybrid"),
        Files.exists(synonyms) ? Synonyms.load(synonyms) : Synonyms.none());
    Random r = new Random(42);
    Map<Article, float[][]> articles = new LinkedHashMap<>();
    List<SupportPattern> patterns = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String slug = "article-" + i;
      articles.put(new Article(slug, "cat-" + (i % 12), words(r, NL, 6, i) , words(r, EN, 6, i),
          words(r, NL, 120, i), words(r, EN, 120, i), List.of("tag" + i, NL[i % NL.length]), true),
          new float[][] {unit(r), unit(r), unit(r), unit(r)});
      if (i % 5 == 0) {
        patterns.add(new SupportPattern("pattern-" + i, "pattern " + i, List.of(NL[r.nextInt(NL.length)] + " "
            + NL[r.nextInt(NL.length)], EN[r.nextInt(EN.length)] + " " + EN[r.nextInt(EN.length)]),
            "(?i)\\bCODE_" + i + "\\b", List.of("CODE_" + i), List.of(), slug, 0.85, true, null, 0, 0));
      }
    }
    index.putArticles(articles);
    index.setPatterns(patterns);
    List<IndexedConversation> conversations = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      conversations.add(new IndexedConversation("conv-" + i, "user-" + (i % 2000), words(r, i % 2 == 0 ? NL : EN, 6, i),
          words(r, i % 2 == 0 ? NL : EN, 40, i), unit(r)));
    }
    index.putConversations(conversations);
    triage = new TriageEngine(vertx, embedder, index, 0.85, 0.6);
    questions = new ArrayList<>();
    questionVectors = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      String[] q = {words(r, i % 2 == 0 ? NL : EN, 5, i), words(r, i % 2 == 0 ? NL : EN, 25, i),
          i % 4 == 0 ? "CODE_" + (i * 5) : null, "user-" + i};
      questions.add(q);
      questionVectors.add(embedder.embedQueryBlocking(q[0] + ". " + q[1]));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    index.close();
    vertx.close();
  }

  /** Full triage: embed the question, search, score. */
  @Benchmark
  public Object triage() {
    String[] q = questions.get(next++ & 63);
    float[] v = embedder.embedQueryBlocking(q[0] + ". " + q[1]);
    return triage.decide(new TriageQuery(q[3], null, q[0], q[1], q[2]), q[0], q[1], v);
  }

  /** Search and scoring only, with a precomputed query vector. */
  @Benchmark
  public Object searchAndScore() {
    int i = next++ & 63;
    String[] q = questions.get(i);
    return triage.decide(new TriageQuery(q[3], null, q[0], q[1], q[2]), q[0], q[1], questionVectors.get(i));
  }

  private static String words(Random r, String[] vocab, int n, int salt) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(word(r, vocab)).append(i % 12 == 11 ? ". " : " ");
    }
    return b.toString().trim();
  }

  /**
   * A word with a Zipf-like frequency over a vocabulary of about 5,000 words: the domain words are the most
   * frequent, derived words ({@code word + suffix}) get rarer, like the terms of a real knowledge base.
   */
  private static String word(Random r, String[] vocab) {
    double u = r.nextDouble();
    int rank = (int) Math.floor(Math.pow(5000, u)) - 1;
    if (rank < vocab.length) {
      return vocab[rank];
    }
    return vocab[rank % vocab.length] + "x" + (rank / vocab.length);
  }

  private static float[] unit(Random r) {
    float[] v = new float[384];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return Vectors.normalise(v);
  }
}
