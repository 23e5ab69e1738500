package io.supportpilot.knowledge;

import io.supportpilot.config.Config;
import io.supportpilot.triage.Triage;
import io.supportpilot.triage.TriageEngine;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knowledge base and confidence 2.0 triage: admin REST for articles and patterns, the starter knowledge base,
 * embeddings (local ONNX model or Voyage), the hybrid search index, {@code POST /api/triage} and the public
 * knowledge-base pages at {@code /kb/}. Offers {@link Triage} (to the support agent) and {@link KnowledgeService}
 * (to the learning loop) once loaded.
 */
public final class KnowledgeCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(KnowledgeCapability.class);

  private final KnowledgeConfig config;
  private final String searchMode;
  private KnowledgeService service;
  private KnowledgeRoutes routes;
  private KnowledgeBasePages pages;
  private long refreshTimer = -1;
  private EngineContext ctx;
  private volatile Triage offeredTriage;
  private volatile KnowledgeService offeredService;

  /** Reads and validates the configuration. */
  public KnowledgeCapability(Config config) {
    this.config = KnowledgeConfig.from(config);
    this.searchMode = config.oneOf("triage.search-mode", "hybrid", "semantic", "lexical");
  }

  @Override
  public String name() {
    return "knowledge";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    this.ctx = ctx;
    KnowledgeStore store = new KnowledgeStore(ctx.pool());
    Future<Embedder> embedder;
    if ("voyage".equals(config.embeddingProvider())) {
      String key = ctx.secrets().get("VOYAGE_API_KEY").orElseThrow(() -> new IllegalStateException(
          "knowledge.embedding-provider is voyage but VOYAGE_API_KEY is not set"));
      embedder = Future.succeededFuture(new VoyageEmbedder(ctx.vertx(), config.voyageBaseUrl(), config.voyageModel(),
          key, config.voyageTimeout().toMillis()));
    } else {
      embedder = ctx.vertx().executeBlocking(() -> new LocalEmbedder(ctx.vertx(), config.embeddingThreads()), false);
    }
    Future<KnowledgeIndex> created = ctx.vertx().executeBlocking(() ->
        new KnowledgeIndex(SearchTuning.defaults(searchMode), Synonyms.load(config.synonymsFile())), false);
    return Future.all(embedder, created).compose(all -> {
      Embedder e = embedder.result();
      KnowledgeIndex index = created.result();
      service = new KnowledgeService(ctx.vertx(), store, e, index, config.conversationLimit());
      // The triage engine parses the shipped router model (a large JSON): on a worker, not on this event loop.
      return ctx.vertx().executeBlocking(() -> new TriageEngine(ctx.vertx(), e, index, config.autoRespondThreshold(),
          config.suggestThreshold(), ctx.registry()), false).compose(triage -> ready(store, e, index, triage));
    });
  }

  /** Mounts the routes and pages, seeds and loads the knowledge, then offers the triage and the service. */
  private Future<Void> ready(KnowledgeStore store, Embedder e, KnowledgeIndex index, TriageEngine triage) {
    routes = new KnowledgeRoutes(service, triage);
    pages = new KnowledgeBasePages(service, triage);
    Future<Void> seed = config.seedEnabled()
        ? StarterKnowledge.seedOnce(ctx.vertx(), store, service, config.seedFile()) : Future.succeededFuture();
    return seed.compose(v -> service.loadAll()).onSuccess(v -> {
      offeredTriage = triage;
      offeredService = service;
      refreshTimer = ctx.vertx().setPeriodic(config.conversationRefresh().toMillis(), id ->
          service.refreshChanged().compose(x -> service.refreshConversations())
              .onFailure(err -> LOG.warn("knowledge refresh failed: {}", err.getMessage())));
      LOG.info("knowledge ready: {} articles, {} resolved conversations indexed, embeddings {} ({} search)",
          index.articleCount(), index.conversationCount(), e.model(), searchMode);
    });
  }

  /** The triage, once the knowledge is loaded; the support agent asks it. */
  public Optional<Triage> triage() {
    return Optional.ofNullable(offeredTriage);
  }

  /** The knowledge service, once the knowledge is loaded; the learning loop refreshes the index through it. */
  public Optional<KnowledgeService> service() {
    return Optional.ofNullable(offeredService);
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    routes.mount(router);
    pages.mount(router);
  }

  @Override
  public Future<Void> stop() {
    if (refreshTimer >= 0) {
      ctx.vertx().cancelTimer(refreshTimer);
    }
    if (service != null) {
      service.close();
      service.index().close();
    }
    return Future.succeededFuture();
  }
}
