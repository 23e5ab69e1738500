package io.supportpilot.agent;

import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import io.supportpilot.tickets.ConversationRoutes;
import io.supportpilot.tickets.ConversationStore;
import io.supportpilot.triage.Triage;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The support agent capability: the customer conversation API, the Claude gateway, the seven tools, the offline
 * agent, the follow-up scheduler and the agent verticle that ties them to the event bus.
 */
public final class AgentCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(AgentCapability.class);

  private final Config config;
  private final Supplier<Optional<Triage>> knowledgeTriage;
  private final Supplier<Optional<ActiveSpikes>> activeSpikes;
  private volatile Triage replacedTriage;
  private AgentConfig cfg;
  private ConversationStore store;
  private ClaudeGateway gateway;
  private ReauthMailer mailer;
  private String deployment;
  private Vertx vertx;

  /**
   * Validates the agent's config section (a bad value stops start-up); {@code triage} (the knowledge capability's)
   * and {@code activeSpikes} (the spike capability's) are asked for each time the agent uses them, and may be absent.
   */
  public AgentCapability(Config config, Supplier<Optional<Triage>> triage,
      Supplier<Optional<ActiveSpikes>> activeSpikes) {
    this.config = config;
    this.knowledgeTriage = triage;
    this.activeSpikes = activeSpikes;
    this.cfg = AgentConfig.from(config, Secrets.from(Map.of()));
  }

  @Override
  public String name() {
    return "support agent";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    cfg = AgentConfig.from(config, ctx.secrets());
    vertx = ctx.vertx();
    store = new ConversationStore(ctx.pool(), ctx.clock());
    gateway = ClaudeGateway.create(ctx.vertx(), cfg.anthropic(), !cfg.loop().offlineOnly(), ctx.pool(), ctx.clock(),
        ctx.registry());
    mailer = new ReauthMailer(ctx.vertx(), cfg.mail(), cfg.publicBaseUrl(), ctx.pool(), ctx.clock());
    SupportTools tools = new SupportTools(ctx.vertx(), ctx.pool(), ctx.clock(), this::triage, activeSpikes, store,
        mailer, cfg.publicBaseUrl());
    if (!cfg.loop().enabled()) {
      LOG.info("support agent disabled (agent.enabled=false): the conversation API works, nobody answers");
      return gateway.start();
    }
    LOG.info("support agent: Claude {} ({}), {}", gateway.unavailableReason() == null ? "available" : "not used",
        gateway.unavailableReason() == null ? cfg.anthropic().model() : gateway.unavailableReason(), cfg.mail());
    return gateway.start()
        .compose(v -> ctx.vertx().deployVerticle(new SupportAgentVerticle(cfg, ctx.pool(), ctx.clock(),
            this::triage, store, gateway, tools, ctx.registry()),
            new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP)))
        .map(id -> {
          deployment = id;
          return null;
        });
  }

  /** The Claude gateway (with or without a key) once this capability has started; DevOps and learning use it. */
  public Optional<ClaudeGateway> gateway() {
    return Optional.ofNullable(gateway);
  }

  /**
   * Makes the agent ask {@code triage} instead of the knowledge capability's from now on (the triage routes keep the
   * knowledge capability's); tests script the agent's routes with it.
   */
  public void useTriage(Triage triage) {
    replacedTriage = triage;
  }

  /** The triage the agent asks: the one given to {@link #useTriage}, else the knowledge capability's, if any. */
  private Optional<Triage> triage() {
    Triage replaced = replacedTriage;
    return replaced != null ? Optional.of(replaced) : knowledgeTriage.get();
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    new ConversationRoutes(store, ctx.vertx()).mount(router);
  }

  @Override
  public Future<Void> stop() {
    // The agent stops taking events before the pool closes; runs in flight finish or fail quietly.
    Future<Void> f = deployment == null ? Future.succeededFuture()
        : vertx.undeploy(deployment).recover(e -> Future.succeededFuture());
    return f.andThen(ar -> {
      if (gateway != null) {
        gateway.close();
      }
      if (mailer != null) {
        mailer.close();
      }
    });
  }
}
