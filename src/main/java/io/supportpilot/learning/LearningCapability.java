package io.supportpilot.learning;

import io.supportpilot.agent.ClaudeGateway;
import io.supportpilot.config.Config;
import io.supportpilot.knowledge.KnowledgeService;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The learning loop (plan 4.1-4.3): exact pattern statistics, pattern suggestions from rated resolutions, article
 * drafts from repeated human answers, scheduled pattern optimisation, and the admin review of what it suggests.
 */
public final class LearningCapability implements Capability {

  private final LearningConfig cfg;
  private final Supplier<Optional<KnowledgeService>> knowledgeService;
  private final Supplier<Optional<ClaudeGateway>> claudeGateway;
  private EngineContext ctx;
  private SuggestionStore store;
  private PatternOptimiser optimiser;
  private Supplier<KnowledgeService> knowledge;
  private String deployment;

  /**
   * Validates the learning config section; {@code knowledgeService} (the knowledge capability's) and
   * {@code claudeGateway} (the agent capability's) are asked for each time they are used, and may be absent.
   */
  public LearningCapability(Config config, Supplier<Optional<KnowledgeService>> knowledgeService,
      Supplier<Optional<ClaudeGateway>> claudeGateway) {
    this.cfg = LearningConfig.from(config);
    this.knowledgeService = knowledgeService;
    this.claudeGateway = claudeGateway;
  }

  @Override
  public String name() {
    return "learning";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    this.ctx = ctx;
    knowledge = () -> knowledgeService.get().orElse(null);
    Notifier notifier = new Notifier(ctx.vertx(), ctx.pool());
    store = new SuggestionStore(ctx.pool(), ctx.clock());
    PatternStatistics statistics = new PatternStatistics(ctx.pool());
    AutoApproval auto = new AutoApproval(cfg.autoApproveAbove(), id -> store.approve(id, new JsonObject(),
        "auto-approval", true).compose(s -> knowledge.get() == null ? Future.succeededFuture()
        : knowledge.get().refreshChanged()));
    LearningClaims claims = new LearningClaims(ctx.pool(), ctx.clock(), cfg.claimLease());
    // Looked up when used: the agent capability offers the gateway (with or without a key) once it started.
    ClaudeLearning claude = new ClaudeLearning(() -> cfg.useClaude() ? claudeGateway.get().orElse(null) : null);
    ResolutionLearner learner = new ResolutionLearner(ctx.pool(), store, statistics, notifier, auto, claims, claude);
    ArticleDrafter drafter = new ArticleDrafter(ctx.pool(), store, notifier, ctx.clock(), cfg.draftWindow(),
        cfg.draftSimilarity(), claims, claude);
    optimiser = new PatternOptimiser(ctx.pool(), notifier, ctx.clock(), cfg.changeCooldown());
    return ctx.vertx().deployVerticle(new LearningJobs(cfg, statistics, learner, drafter, optimiser, knowledge))
        .map(id -> {
          deployment = id;
          return null;
        });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    new SuggestionRoutes(ctx.vertx(), ctx.pool(), store, optimiser, knowledge).mount(router);
  }

  @Override
  public Future<Void> stop() {
    return deployment == null ? Future.succeededFuture()
        : ctx.vertx().undeploy(deployment).recover(e -> Future.succeededFuture());
  }
}
