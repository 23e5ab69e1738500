package io.supportpilot.proactive;

import io.supportpilot.agent.AgentConfig;
import io.supportpilot.config.Config;
import io.supportpilot.ingest.IngestConfig;
import io.supportpilot.ingest.Signatures;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proactive support: connections reported by the portal, per-call usage from the MCP server (signed batch webhook,
 * group commit, rollups, retention), and the scheduled scans for expiring Exact connections (plan 3.1) and usage drops
 * (plan 3.3), each run by one instance at a time.
 */
public final class ProactiveCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(ProactiveCapability.class);

  private final ProactiveConfig cfg;
  private final List<String> deployments = new ArrayList<>();
  private ConnectionStore connections;
  private Signatures signatures;
  private ProactiveMailer mailer;
  private Vertx vertx;
  private UsageRollup rollup;

  /** Reads and validates the proactive and usage config; a bad value stops start-up here. */
  public ProactiveCapability(Config config) {
    this.cfg = ProactiveConfig.from(config);
  }

  @Override
  public String name() {
    return "proactive";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    vertx = ctx.vertx();
    connections = new ConnectionStore(ctx.pool(), ctx.clock(), cfg.refreshInactivity());
    signatures = IngestConfig.mcpSecret(ctx.secrets()).map(s -> Signatures.withSecret(s, "usage")).orElse(null);
    if (signatures == null) {
      LOG.warn("MCP_WEBHOOK_SECRET is not set: {} refuses every request", UsageRoutes.PATH);
    }
    mailer = new ProactiveMailer(ctx.vertx(), AgentConfig.from(ctx.config(), ctx.secrets()).mail(), ctx.pool(),
        ctx.clock());
    String instance = System.getenv().getOrDefault("HOSTNAME", "instance") + "-" + UUID.randomUUID().toString()
        .substring(0, 8);
    rollup = new UsageRollup(ctx.pool(), cfg);
    io.micrometer.core.instrument.Gauge.builder("supportpilot.usage.pending.calls", rollup, UsageRollup::backlog)
        .description("Usage calls acknowledged and not yet in the rollups (as of this instance's last rollup)")
        .register(ctx.registry());
    return vertx.deployVerticle(rollup)
        .compose(id -> {
          deployments.add(id);
          return vertx.deployVerticle(new ProactiveScheduler(ctx.pool(), ctx.clock(), cfg, mailer, rollup, instance));
        })
        .compose(id -> {
          deployments.add(id);
          return vertx.deployVerticle(new UsageRetention(ctx.pool(), ctx.clock(), cfg.usageRetention(),
              cfg.usageHourlyRetention(), cfg.usageRetentionInterval()));
        })
        .map(id -> {
          deployments.add(id);
          LOG.info("proactive scans {} every {}; usage webhook at {}", cfg.enabled() ? "on" : "off (on request only)",
              cfg.scanInterval(), UsageRoutes.PATH);
          return null;
        });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    // One writer per HTTP event loop: its queue and timers belong to that loop.
    UsageWriter writer = new UsageWriter(ctx.vertx(), ctx.pool(), cfg, rollup);
    new UsageRoutes(cfg, signatures, writer, ctx.clock(), ctx.registry()).mount(router);
    new ConnectionRoutes(connections).mount(router);
    new ProactiveRoutes(ctx.vertx(), ctx.pool(), ctx.clock()).mount(router);
  }

  private static List<String> reversed(List<String> ids) {
    List<String> out = new ArrayList<>(ids);
    java.util.Collections.reverse(out);
    return out;
  }

  @Override
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    // The scans drain the rollup: undeploy in the reverse order of deployment.
    for (String id : reversed(deployments)) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    return chain.andThen(ar -> {
      if (mailer != null) {
        mailer.close();
      }
    });
  }
}
