package io.supportpilot.devops;

import io.supportpilot.agent.ClaudeGateway;
import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import io.supportpilot.spike.SlackNotifier;
import io.supportpilot.spike.SpikesConfig;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DevOps agent (plan 5.2, 5.3): Sentry errors, unmatched spikes and support escalations become tasks, worked
 * with Claude (draft fix PRs at high confidence, an analysis for the humans below it) or offline (an analysis
 * from the Sentry data, never a PR), with the PRs followed until merged. Admins read the tasks at
 * {@code GET /api/admin/devops/tasks}.
 */
public final class DevopsCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(DevopsCapability.class);

  private final Config config;
  private final Supplier<Optional<ClaudeGateway>> claude;
  private DevopsConfig cfg;
  private WebClient client;
  private Vertx vertx;
  private String deployment;
  private DevopsTasks tasks;

  /**
   * Validates the DevOps config section (a bad value stops start-up); {@code claude} (the agent capability's gateway,
   * absent when there is none) is asked for in {@code start}.
   */
  public DevopsCapability(Config config, Supplier<Optional<ClaudeGateway>> claude) {
    this.config = config;
    this.claude = claude;
    this.cfg = DevopsConfig.from(config, Secrets.from(Map.of()));
  }

  @Override
  public String name() {
    return "devops agent";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    cfg = DevopsConfig.from(config, ctx.secrets());
    tasks = new DevopsTasks(ctx.pool(), ctx.clock());
    if (!cfg.enabled()) {
      LOG.info("DevOps agent disabled (devops.enabled=false): DevOps tasks are written and not worked");
      return Future.succeededFuture();
    }
    vertx = ctx.vertx();
    client = WebClient.create(vertx, new WebClientOptions().setUserAgent("supportpilot-devops")
        .setConnectTimeout((int) Math.min(10_000, cfg.http().timeout().toMillis())));
    ApiGateway sentryApi = new ApiGateway(vertx, client, "sentry", cfg.http(), ctx.clock(), ctx.registry());
    ApiGateway githubApi = new ApiGateway(vertx, client, "github", cfg.http(), ctx.clock(), ctx.registry());
    SentryClient sentry = new SentryClient(sentryApi, cfg.sentry());
    GitHubClient github = new GitHubClient(githubApi, cfg.github());
    FixPolicy policy = new FixPolicy(cfg.github().repository(), cfg.fixes());
    HumanNotifier notifier = new HumanNotifier(vertx, new SlackNotifier(client,
        SpikesConfig.from(config).slackWebhookUrl()), tasks);
    DevopsTools tools = new DevopsTools(sentry, github, policy, notifier, tasks, cfg.prThreshold());
    ClaudeGateway gateway = claude.get().orElse(null);
    DevopsLoop loop = gateway == null ? null : new DevopsLoop(gateway, tools, cfg.maxIterations(),
        cfg.maxTokensPerRun());
    DevopsAgent agent = new DevopsAgent(cfg, tasks, loop, gateway, sentry, notifier, ctx.clock());
    PullRequestFollowUp followUp = cfg.github().usable() ? new PullRequestFollowUp(tasks, github) : null;
    LOG.info("DevOps agent: {}, {}, {}, concurrency {}, PRs at confidence >= {}", agent.claudeAvailable()
        ? "Claude" : "offline analysis only", cfg.sentry(), cfg.github(), cfg.concurrency(), cfg.prThreshold());
    return vertx.deployVerticle(new DevopsVerticle(cfg, tasks, agent, followUp)).map(id -> {
      deployment = id;
      return null;
    });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    new DevopsRoutes(tasks).mount(router);
  }

  @Override
  public Future<Void> stop() {
    Future<Void> f = deployment == null ? Future.succeededFuture()
        : vertx.undeploy(deployment).recover(e -> Future.succeededFuture());
    return f.andThen(ar -> {
      if (client != null) {
        client.close();
      }
    });
  }
}
