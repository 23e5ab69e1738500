package io.supportpilot.triage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
      double suggestThreshold, List<EscalationRules.Match> rules, SearchResult search, Router router) {
  }

  /**
   * The learned router's view: the probability of each route, the answerability that became the semantic
   * component, the anchors it was mapped with, and whether the sentence embedding was used.
   */
  public record Router(double[] probabilities, double topCorrect, double answerability, double atSuggest, double atAuto,
      boolean embeddingUsed) {
  }

  /** Timer of a whole triage (embedding, search, scoring). */
  public static final String METRIC_LATENCY = "supportpilot.triage.latency";
  /** Counter of decisions, tagged with the action. */
  public static final String METRIC_DECISIONS = "supportpilot.triage.decisions";

  /** The routes, as metric tag values. */
  enum Action { auto_respond, suggest_articles, escalate }

  private final Vertx vertx;
  private final Embedder embedder;
  private final Timer latency;
  private final Map<String, Counter> decisions = new HashMap<>();
  private final KnowledgeIndex index;
  private final double autoBar;
  private final double suggestBar;
  private final RouterModel router;

  /** A triage engine over the index with the configured bars. */
  public TriageEngine(Vertx vertx, Embedder embedder, KnowledgeIndex index, double autoBar, double suggestBar) {
    this(vertx, embedder, index, autoBar, suggestBar, new SimpleMeterRegistry());
  }

  /** A triage engine that records its latency and decisions in the registry. */
  public TriageEngine(Vertx vertx, Embedder embedder, KnowledgeIndex index, double autoBar, double suggestBar,
      MeterRegistry registry) {
    this.latency = Timer.builder(METRIC_LATENCY)
        .description("Triage of one question: embedding, hybrid search and scoring")
        .publishPercentileHistogram().serviceLevelObjectives(Duration.ofMillis(20))
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry);
    for (Action a : Action.values()) {
      decisions.put(a.name(), Counter.builder(METRIC_DECISIONS)
          .description("Triage decisions by action").tag("action", a.name()).register(registry));
    }
    this.vertx = vertx;
    this.embedder = embedder;
    this.index = index;
    this.autoBar = autoBar;
    this.suggestBar = suggestBar;
    this.router = RouterModel.shipped();
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
    String text = joined(subject, body);
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
          latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
          decisions.get(o.decision().action()).increment();
        });
  }

  /** The blocking part: search and scoring. Public for benchmarks; call from a worker thread. */
  public Outcome decide(TriageQuery query, String subject, String body, float[] vector) {
    String lang = query.language() != null ? query.language()
        : TextAnalysis.detectLanguage(subject + "\n" + body, "nl");
    String errorCode = query.errorCode() == null || query.errorCode().isBlank() ? null : query.errorCode().trim();
    SearchResult r = index.search(subject, body, lang, errorCode, query.userId(), vector);
    String text = subject + "\n" + body;
    List<EscalationRules.Match> rules = EscalationRules.match(text, lang);
    RouteEvidence evidence = RouteEvidence.of(r, errorCode);
    boolean withEmbedding = router.usesEmbedding(embedder.model(), vector);
    RouterFeatures.Vector features = RouterFeatures.of(text, lang, evidence, rules, vector, router.hashDims());
    double[] p = router.probabilities(features, withEmbedding);
    double topCorrect = router.topCorrect(features);
    Double history = r.historyRelevance() == null ? null : ConfidenceScorer.round(r.historyRelevance());
    RoutePolicy.Route route = RoutePolicy.route(p, topCorrect, rules,
        EscalationRules.reportsMalfunction(text), evidence, history, autoBar, suggestBar, router.atSuggest(),
        router.atAuto());
    ConfidenceScorer.Components c = new ConfidenceScorer.Components(route.semantic(), route.pattern(), history,
        route.errorCode());
    ConfidenceScorer.Score s = route.score();
    Double semantic = route.semantic();
    Double pattern = route.pattern();
    Double error = route.errorCode();
    String action = route.action();
    String escalation = route.escalation();
    String reason = route.reason();
    double bar = route.bar();
    double suggest = route.suggestBar();

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
    return new Outcome(d, c, s, suggest, rules, r, new Router(p, topCorrect, RoutePolicy.answerability(p, topCorrect),
        router.atSuggest(), router.atAuto(), withEmbedding));
  }

  /** The question as one text (subject, then body), as it is embedded. */
  static String joined(String subject, String body) {
    return subject.isEmpty() ? body : body.isEmpty() ? subject : subject + ". " + body;
  }

  private static JsonObject router(Router r) {
    JsonObject p = new JsonObject();
    for (int k = 0; k < RouterModel.CLASSES.size(); k++) {
      p.put(RouterModel.CLASSES.get(k), ConfidenceScorer.round(r.probabilities()[k]));
    }
    return new JsonObject().put("probabilities", p).put("top_article_right", ConfidenceScorer.round(r.topCorrect()))
        .put("answerability", ConfidenceScorer.round(r.answerability()))
        .put("answerability_at_suggest", r.atSuggest()).put("answerability_at_auto", r.atAuto())
        .put("embedding_used", r.embeddingUsed());
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
        .put("router", router(o.router()));
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
