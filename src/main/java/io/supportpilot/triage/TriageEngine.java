package io.supportpilot.triage;

import io.supportpilot.knowledge.Embedder;
import io.supportpilot.knowledge.KnowledgeIndex;
import io.supportpilot.knowledge.SearchResult;
import io.supportpilot.knowledge.SearchResult.ArticleHit;
import io.supportpilot.knowledge.SearchResult.ConversationHit;
import io.supportpilot.knowledge.SearchResult.PatternHit;
import io.supportpilot.knowledge.TextAnalysis;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confidence 2.0 triage over hybrid search: embeds the question (off the event loop), searches articles, patterns
 * and resolved conversations, scores the components, applies the escalation rules and picks the route.
 */
public final class TriageEngine implements Triage {

  private static final Logger LOG = LoggerFactory.getLogger(TriageEngine.class);

  /** The decision with everything that explains it (for {@code POST /api/triage}). */
  public record Outcome(TriageDecision decision, ConfidenceScorer.Components components, ConfidenceScorer.Score score,
      double suggestThreshold, List<EscalationRules.Match> rules, SearchResult search, Calibration calibration) {
  }

  /**
   * How the semantic component was derived from the best article's hybrid similarity: the linear map anchored on
   * the bars, and the three reliability factors (margin to the runner-up, agreement of the cosine and lexical
   * rankings, amount of evidence in the question).
   */
  public record Calibration(double similarity, double mapped, double ambiguity, double agreement, double evidence) {
  }

  // Calibration of the semantic component into [0, 1], chosen on half a of the labelled questions and checked on
  // half b (docs/knowledge-and-triage.md). The hybrid similarity is mapped linearly so that SIM_AT_SUGGEST lands on
  // the suggest bar (0.6) and SIM_AT_AUTO on the auto-respond bar (0.85); then it is discounted when the choice of
  // article is uncertain.
  static final double SIM_AT_SUGGEST = 0.23;
  static final double SIM_AT_AUTO = 0.3675;
  static final double SUGGEST_ANCHOR = 0.6;
  static final double AUTO_ANCHOR = 0.85;
  /** Rank margin to the runner-up from which the choice is unambiguous. */
  static final double MARGIN_FULL = 0.30;
  /** Factor at no margin at all. */
  static final double AMBIGUITY_FLOOR = 0.80;
  /** Factor per ranking signal (cosine, lexical coverage) that prefers another of the listed articles. */
  static final double DISAGREEMENT = 0.90;
  /**
   * A keyword pattern confirms the article with {@code 1 - KEYWORD_MISS^hits} (one keyword 0.7, two 0.91, three
   * 0.97): the chance that the hits are not all coincidental. A regex or error-code hit confirms it with 1.
   */
  static final double KEYWORD_MISS = 0.3;
  /** A question with fewer analysed terms than this carries less evidence ... */
  static final int EVIDENCE_TERMS = 6;
  /** ... down to this share of the factor at no terms. */
  static final double EVIDENCE_WEIGHT = 0.5;

  /** Timer of a whole triage (embedding, search, scoring). */
  public static final String METRIC_LATENCY = "supportpilot.triage.latency";
  /** Counter of decisions, tagged with the action. */
  public static final String METRIC_DECISIONS = "supportpilot.triage.decisions";

  /** The routes, as metric tag values. */
  enum Action { auto_respond, suggest_articles, escalate }

  private final Vertx vertx;
  private final Embedder embedder;
  private final io.micrometer.core.instrument.Timer latency;
  private final java.util.Map<String, io.micrometer.core.instrument.Counter> decisions = new java.util.HashMap<>();
  private final KnowledgeIndex index;
  private final double autoBar;
  private final double suggestBar;

  /** A triage engine over the index with the configured bars. */
  public TriageEngine(Vertx vertx, Embedder embedder, KnowledgeIndex index, double autoBar, double suggestBar) {
    this(vertx, embedder, index, autoBar, suggestBar, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  /** A triage engine that records its latency and decisions in the registry. */
  public TriageEngine(Vertx vertx, Embedder embedder, KnowledgeIndex index, double autoBar, double suggestBar,
      io.micrometer.core.instrument.MeterRegistry registry) {
    this.latency = io.micrometer.core.instrument.Timer.builder(METRIC_LATENCY)
        .description("Triage of one question: embedding, hybrid search and scoring")
        .publishPercentiles(0.5, 0.99).register(registry);
    for (Action a : Action.values()) {
      decisions.put(a.name(), io.micrometer.core.instrument.Counter.builder(METRIC_DECISIONS)
          .description("Triage decisions by action").tag("action", a.name()).register(registry));
    }
    this.vertx = vertx;
    this.embedder = embedder;
    this.index = index;
    this.autoBar = autoBar;
    this.suggestBar = suggestBar;
  }

  @Override
  public Future<TriageDecision> triage(TriageQuery query) {
    return evaluate(query).map(Outcome::decision);
  }

  /** Triage with the full explanation. */
  public Future<Outcome> evaluate(TriageQuery query) {
    String subject = query.subject() == null ? "" : query.subject().trim();
    String body = query.body() == null ? "" : query.body().trim();
    if (subject.isEmpty() && body.isEmpty()) {
      return Future.failedFuture(HttpFailure.badRequest("a question needs a 'subject' or a 'body'"));
    }
    String text = subject.isEmpty() ? body : body.isEmpty() ? subject : subject + ". " + body;
    boolean needVector = !"lexical".equals(index.tuning().mode());
    long start = System.nanoTime();
    // Language detection and the Dutch gloss use Lucene analysis: on a worker, like the search itself.
    Future<float[]> vector = !needVector ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> index.embeddingText(text, query.language() != null ? query.language()
            : TextAnalysis.detectLanguage(text, "nl")), false)
        .compose(embedder::embedQuery)
        .recover(e -> {
          LOG.warn("query embedding failed, triage falls back to lexical search: {}", e.getMessage());
          return Future.succeededFuture(null);
        });
    return vector.compose(v -> vertx.executeBlocking(() -> decide(query, subject, body, v), false))
        .onSuccess(o -> {
          latency.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
          decisions.get(o.decision().action()).increment();
        });
  }

  /** The blocking part: search and scoring. Public for benchmarks; call from a worker thread. */
  public Outcome decide(TriageQuery query, String subject, String body, float[] vector) {
    String lang = query.language() != null ? query.language()
        : TextAnalysis.detectLanguage(subject + "\n" + body, "nl");
    String errorCode = query.errorCode() == null || query.errorCode().isBlank() ? null : query.errorCode().trim();
    SearchResult r = index.search(subject, body, lang, errorCode, query.userId(), vector);
    List<EscalationRules.Match> rules = EscalationRules.match(subject + "\n" + body, lang);

    ArticleHit top = r.articles().isEmpty() ? null : r.articles().get(0);
    Calibration cal = calibrate(r);
    Double semantic = ConfidenceScorer.round(cal.mapped() * cal.ambiguity() * cal.agreement() * cal.evidence());
    Double pattern = patternComponent(r, top);
    Double error = errorCode == null ? null : top != null && top.errorCodeHit() ? 1.0 : 0.0;
    Double history = r.historyRelevance() == null ? null : ConfidenceScorer.round(r.historyRelevance());
    ConfidenceScorer.Components c = new ConfidenceScorer.Components(semantic, pattern, history, error);
    ConfidenceScorer.Score s = ConfidenceScorer.score(c);

    double bar = top != null && top.bestPattern() != null ? top.bestPattern().minConfidence() : autoBar;
    double suggest = Math.min(suggestBar, bar);
    String action = top == null ? "escalate" : ConfidenceScorer.route(s.renormalised(), bar, suggest);
    String escalation = "none";
    String reason;
    if (!rules.isEmpty()) {
      action = "escalate";
      escalation = rules.stream().anyMatch(m -> "human".equals(m.escalation())) ? "human" : "devops";
      List<String> names = new ArrayList<>();
      rules.forEach(m -> names.add(m.rule()));
      reason = "needs a person: " + String.join(", ", names);
    } else if (top == null) {
      escalation = "human";
      reason = "no article matches";
    } else if ("escalate".equals(action)) {
      escalation = "human";
      reason = String.format("confidence %.2f is below the suggest bar %.2f", s.renormalised(), suggest);
    } else if ("suggest_articles".equals(action)) {
      reason = String.format("confidence %.2f is below the auto-respond bar %.2f", s.renormalised(), bar);
    } else {
      reason = String.format("confidence %.2f reaches the auto-respond bar %.2f%s", s.renormalised(), bar,
          top.bestPattern() != null ? " of pattern " + top.bestPattern().id() : "");
    }

    List<TriageDecision.ArticleMatch> articles = new ArrayList<>();
    for (ArticleHit h : r.articles()) {
      articles.add(new TriageDecision.ArticleMatch(h.article().slug(), h.article().title(lang),
          h.article().content(lang), h.article().category(), ConfidenceScorer.round(h.similarity())));
    }
    List<TriageDecision.PatternMatch> patterns = new ArrayList<>();
    for (PatternHit h : r.patterns()) {
      patterns.add(new TriageDecision.PatternMatch(h.pattern().id(), h.pattern().name(), h.pattern().articleSlug(),
          ConfidenceScorer.round(h.score()), h.pattern().minConfidence()));
    }
    List<TriageDecision.ConversationMatch> conversations = new ArrayList<>();
    for (ConversationHit h : r.conversations()) {
      conversations.add(new TriageDecision.ConversationMatch(h.id(), h.subject(), ConfidenceScorer.round(h.score())));
    }
    TriageDecision d = new TriageDecision(action, escalation, lang, semantic, pattern, history, error, s.raw(),
        s.renormalised(), bar, reason, articles, patterns, conversations);
    return new Outcome(d, c, s, suggest, rules, r, cal);
  }

  /**
   * The semantic component's parts for the best article: its hybrid similarity mapped linearly onto the bars, times
   * an ambiguity factor (a runner-up close behind), an agreement factor (the cosine or the lexical ranking prefers
   * another listed article) and an evidence factor (a question of very few terms matches many articles by chance).
   */
  static Calibration calibrate(SearchResult r) {
    if (r.articles().isEmpty()) {
      return new Calibration(0, 0, 1, 1, 1);
    }
    List<ArticleHit> hits = r.articles();
    ArticleHit top = hits.get(0);
    double slope = (AUTO_ANCHOR - SUGGEST_ANCHOR) / (SIM_AT_AUTO - SIM_AT_SUGGEST);
    double mapped = Math.max(0, Math.min(1, SUGGEST_ANCHOR + slope * (top.similarity() - SIM_AT_SUGGEST)));
    double margin = hits.size() > 1 ? Math.max(0, top.rank() - hits.get(1).rank()) : MARGIN_FULL;
    double ambiguity = AMBIGUITY_FLOOR + (1 - AMBIGUITY_FLOOR) * Math.min(1, margin / MARGIN_FULL);
    double bestCosine = 0;
    double bestCoverage = 0;
    for (ArticleHit h : hits) {
      bestCosine = Math.max(bestCosine, h.cosine());
      bestCoverage = Math.max(bestCoverage, h.coverage());
    }
    int disagreeing = (top.cosine() < bestCosine - 1e-9 ? 1 : 0) + (top.coverage() < bestCoverage - 1e-9 ? 1 : 0);
    double agreement = Math.pow(DISAGREEMENT, disagreeing);
    double evidence = 1 - EVIDENCE_WEIGHT * (1 - Math.min(1.0, r.queryTerms().size() / (double) EVIDENCE_TERMS));
    return new Calibration(top.similarity(), mapped, ambiguity, agreement, evidence);
  }

  /**
   * The pattern component: the best score of a fired pattern that points to the best article; absent when no
   * pattern fired, or when only keyword patterns of other articles fired (weak evidence the ranking already
   * weighed); 0 when a regex or error-code pattern of another article fired (a real conflict).
   */
  static Double patternComponent(SearchResult r, ArticleHit top) {
    if (r.patterns().isEmpty()) {
      return null;
    }
    if (top == null) {
      return 0.0;
    }
    Double mine = null;
    boolean strongElsewhere = false;
    for (PatternHit h : r.patterns()) {
      boolean strong = h.regexHit() || h.errorCodeHit();
      if (top.article().slug().equals(h.pattern().articleSlug())) {
        double v = strong ? 1.0 : 1 - Math.pow(KEYWORD_MISS, h.keywordHits().size());
        mine = mine == null ? v : Math.max(mine, v);
      } else if (strong) {
        strongElsewhere = true;
      }
    }
    return mine != null ? Double.valueOf(ConfidenceScorer.round(mine)) : strongElsewhere ? Double.valueOf(0.0) : null;
  }

  /** The JSON of {@code POST /api/triage}: decision, every component, weights, bars, rules and matches. */
  public static JsonObject toJson(Outcome o) {
    TriageDecision d = o.decision();
    ConfidenceScorer.Components c = o.components();
    JsonObject weights = new JsonObject().put("semantic_similarity", ConfidenceScorer.SEMANTIC_WEIGHT)
        .put("pattern_match", ConfidenceScorer.PATTERN_WEIGHT)
        .put("user_history_relevance", ConfidenceScorer.HISTORY_WEIGHT)
        .put("error_code_match", ConfidenceScorer.ERROR_CODE_WEIGHT);
    JsonObject applied = new JsonObject();
    double present = o.score().presentWeight();
    applied.put("semantic_similarity", c.semantic() == null ? 0 : ConfidenceScorer.round(ConfidenceScorer.SEMANTIC_WEIGHT / present));
    applied.put("pattern_match", c.pattern() == null ? 0 : ConfidenceScorer.round(ConfidenceScorer.PATTERN_WEIGHT / present));
    applied.put("user_history_relevance", c.history() == null ? 0 : ConfidenceScorer.round(ConfidenceScorer.HISTORY_WEIGHT / present));
    applied.put("error_code_match", c.errorCode() == null ? 0 : ConfidenceScorer.round(ConfidenceScorer.ERROR_CODE_WEIGHT / present));
    JsonObject confidence = new JsonObject()
        .put("semantic_similarity", c.semantic())
        .put("pattern_match", c.pattern())
        .put("user_history_relevance", c.history())
        .put("error_code_match", c.errorCode())
        .put("weights", weights)
        .put("renormalised_weights", applied)
        .put("raw", o.score().raw())
        .put("final", o.score().renormalised())
        .put("auto_respond_threshold", d.threshold())
        .put("suggest_threshold", o.suggestThreshold())
        .put("semantic_calibration", new JsonObject()
            .put("hybrid_similarity", ConfidenceScorer.round(o.calibration().similarity()))
            .put("mapped", ConfidenceScorer.round(o.calibration().mapped()))
            .put("ambiguity_factor", ConfidenceScorer.round(o.calibration().ambiguity()))
            .put("agreement_factor", ConfidenceScorer.round(o.calibration().agreement()))
            .put("evidence_factor", ConfidenceScorer.round(o.calibration().evidence())));
    JsonArray rules = new JsonArray();
    for (EscalationRules.Match m : o.rules()) {
      rules.add(new JsonObject().put("rule", m.rule()).put("escalation", m.escalation()).put("language", m.language())
          .put("matched", m.excerpt()));
    }
    JsonArray articles = new JsonArray();
    for (ArticleHit h : o.search().articles()) {
      articles.add(new JsonObject().put("slug", h.article().slug()).put("title", h.article().title(d.language()))
          .put("category", h.article().category()).put("score", ConfidenceScorer.round(h.similarity()))
          .put("rank", ConfidenceScorer.round(h.rank())).put("cosine", ConfidenceScorer.round(h.cosine()))
          .put("term_coverage", ConfidenceScorer.round(h.coverage())).put("bm25", ConfidenceScorer.round(h.bm25()))
          .put("pattern_score", ConfidenceScorer.round(h.patternScore())).put("error_code_hit", h.errorCodeHit()));
    }
    JsonArray patterns = new JsonArray();
    for (PatternHit h : o.search().patterns()) {
      patterns.add(new JsonObject().put("id", h.pattern().id()).put("name", h.pattern().name())
          .put("article_slug", h.pattern().articleSlug()).put("score", ConfidenceScorer.round(h.score()))
          .put("min_confidence", h.pattern().minConfidence()).put("keyword_hits", new JsonArray(h.keywordHits()))
          .put("regex_hit", h.regexHit()).put("error_code_hit", h.errorCodeHit()));
    }
    JsonArray conversations = new JsonArray();
    for (ConversationHit h : o.search().conversations()) {
      conversations.add(new JsonObject().put("id", h.id()).put("subject", h.subject())
          .put("score", ConfidenceScorer.round(h.score())));
    }
    return new JsonObject()
        .put("action", d.action())
        .put("escalation", d.escalation())
        .put("language", d.language())
        .put("reason", d.reason())
        .put("confidence", confidence)
        .put("escalation_rules", rules)
        .put("articles", articles)
        .put("patterns", patterns)
        .put("similar_conversations", conversations)
        .put("query_terms", new JsonArray(o.search().queryTerms()));
  }
}
