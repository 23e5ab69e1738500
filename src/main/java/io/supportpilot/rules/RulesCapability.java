package io.supportpilot.rules;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automation rules (plan 6.2): the rules and their admin API, the engine that fires them on stored errors,
 * auto-ticket changes and a schedule, and their actions (tickets, the support agent, escalation, e-mail, signed
 * webhooks). See docs/rules.md.
 */
public final class RulesCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(RulesCapability.class);

  private final Config config;
  private RulesConfig cfg;
  private RuleStore store;
  private RuleBook book;
  private RuleCounters counters;
  private ActionRunner actions;
  private String deployment;
  private Vertx vertx;

  /** Validates the rules' config section (a bad value stops start-up). */
  public RulesCapability(Config config) {
    this.config = config;
    this.cfg = RulesConfig.from(config, Secrets.from(Map.of()));
  }

  @Override
  public String name() {
    return "automation rules";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    cfg = RulesConfig.from(config, ctx.secrets());
    vertx = ctx.vertx();
    store = new RuleStore(ctx.pool());
    book = new RuleBook(store);
    counters = new RuleCounters(store);
    return book.reload().compose(v -> {
      if (!cfg.enabled()) {
        LOG.info("automation rules are off (rules.enabled=false): the API works, nothing fires");
        return Future.succeededFuture();
      }
      actions = new ActionRunner(ctx.vertx(), ctx.pool(), ctx.clock(), cfg,
          new WebhookSender(ctx.vertx(), ctx.clock(), cfg), ctx.registry());
      return ctx.vertx().deployVerticle(new RuleEngineVerticle(cfg, store, ctx.clock(), book, counters, actions,
              ctx.registry()), new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP))
          .map(id -> {
            deployment = id;
            return null;
          });
    });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    new RuleRoutes(store, book, counters, cfg, ctx.clock()).mount(router);
  }

  @Override
  public Future<Void> stop() {
    Future<Void> f = deployment == null ? Future.succeededFuture()
        : vertx.undeploy(deployment).recover(e -> Future.succeededFuture());
    return f.andThen(ar -> {
      if (actions != null) {
        actions.close();
      }
    });
  }
}
