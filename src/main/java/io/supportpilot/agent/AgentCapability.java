package io.supportpilot.agent;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import io.supportpilot.tickets.ConversationRoutes;
import io.supportpilot.tickets.ConversationStore;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The support agent capability: the customer conversation API, the Claude gateway, the seven tools, the offline
 * agent, the follow-up scheduler and the agent verticle that ties them to the event bus.
 */
public final class AgentCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(AgentCapability.class);

  private final Config config;
  private AgentConfig cfg;
  private ConversationStore store;
  private ClaudeGateway gateway;
  private ReauthMailer mailer;
  private String deployment;
  private Vertx vertx;

  /** Validates the agent's config section (a bad value stops start-up). */
  public AgentCapability(Config config) {
    this.config = config;
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
    gateway = new ClaudeGateway(ctx.vertx(), cfg.anthropic(), !cfg.loop().offlineOnly(), ctx.pool(), ctx.clock(),
        ctx.registry());
    mailer = new ReauthMailer(ctx.vertx(), cfg.mail(), cfg.publicBaseUrl(), ctx.pool(), ctx.clock());
    SupportTools tools = new SupportTools(ctx.vertx(), ctx.pool(), ctx.clock(), ctx.services(), store, mailer,
        cfg.publicBaseUrl());
    if (!cfg.loop().enabled()) {
      LOG.info("support agent disabled (agent.enabled=false): the conversation API works, nobody answers");
      return gateway.start();
    }
    LOG.info("support agent: Claude {} ({}), {}", gateway.unavailableReason() == null ? "available" : "not used",
        gateway.unavailableReason() == null ? cfg.anthropic().model() : gateway.unavailableReason(), cfg.mail());
    return gateway.start()
        .compose(v -> ctx.vertx().deployVerticle(new SupportAgentVerticle(cfg, ctx.pool(), ctx.clock(),
            ctx.services(), store, gateway, tools, ctx.registry()),
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
