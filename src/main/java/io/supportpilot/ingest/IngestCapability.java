package io.supportpilot.ingest;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.config.Config;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.store.ErrorEventWriter;
import io.supportpilot.store.ErrorLogRetention;
import io.supportpilot.store.LoopWriters;
import io.supportpilot.tickets.AutoTicketStore;
import io.supportpilot.tickets.AutoTicketVerticle;
import io.supportpilot.tickets.OpenTickets;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error ingestion: the MCP and Sentry webhooks, the group-commit writer, auto-tickets, retention, and in
 * scaled mode the Kafka producer (ingest role) and processing consumer (process role).
 */
public final class IngestCapability implements Capability {

  private static final Logger LOG = LoggerFactory.getLogger(IngestCapability.class);

  private final IngestConfig config;
  private final boolean loopWritersEnabled;
  private final List<String> deployments = new ArrayList<>();
  private WebhookRoutes routes;
  private KafkaIngest kafka;
  private LoopWriters loopWriters;
  private Vertx vertx;

  /** Reads and validates the ingestion config; a bad value stops start-up here. */
  public IngestCapability(Config config) {
    this.config = IngestConfig.from(config);
    this.loopWritersEnabled = config.bool("ingest.loop-writers");
  }

  @Override
  public String name() {
    return "ingest";
  }

  /** The ingestion config in effect. */
  public IngestConfig config() {
    return config;
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    vertx = ctx.vertx();
    EngineConfig.Kafka k = ctx.engine().kafka();
    boolean processes = !k.enabled() || !k.role().equals("ingest");
    boolean ingests = !k.enabled() || !k.role().equals("process");
    IngestMetrics metrics = new IngestMetrics(ctx.registry());
    PayloadReaders payloads = PayloadReaders.withLimits(config.maxJsonDepth(), config.maxStringChars());
    Signatures mcp = IngestConfig.mcpSecret(ctx.secrets()).map(s -> Signatures.withSecret(s, "MCP")).orElse(null);
    Signatures sentry = IngestConfig.sentrySecret(ctx.secrets()).map(s -> Signatures.withSecret(s, "Sentry"))
        .orElse(null);
    if (mcp == null) {
      LOG.warn("MCP_WEBHOOK_SECRET is not set: {} refuses every request", WebhookRoutes.MCP_PATH);
    }
    if (sentry == null) {
      LOG.warn("SENTRY_CLIENT_SECRET is not set: {} refuses every request", WebhookRoutes.SENTRY_PATH);
    }
    warmUp(payloads, mcp, sentry);
    Future<Void> chain = Future.succeededFuture();
    if (processes) {
      OpenTickets openTickets = config.ticketsEnabled() ? new OpenTickets(config.ticketCacheSize()) : null;
      ErrorEventWriter.Settings settings = new ErrorEventWriter.Settings(config.writeBatchSize(),
          config.writeBatchDelay(), config.writerConcurrency(), config.maxInFlight(), config.storeProbeInterval(),
          new AtomicInteger(), new AtomicInteger(),
          openTickets == null ? null : e -> openTickets.ticketId(e.userId(), e.fingerprint()),
          ctx.engine().pg().responseTimeout());
      ErrorEventWriter.registerGauges(ctx.registry(), settings);
      // The writer verticles serve the event bus (Kafka processing, callers off an event loop); the webhooks of
      // embedded mode use a direct writer per HTTP event loop, with connections of its own on that loop.
      chain = chain.compose(v -> deploy(() -> new ErrorEventWriter(ctx.pool(), settings, ctx.registry()),
          config.writerInstances()));
      if (!k.enabled() && loopWritersEnabled) {
        loopWriters = loopWriters(ctx, settings);
      }
      if (config.ticketsEnabled()) {
        chain = chain.compose(v -> deploy(() -> new AutoTicketVerticle(new AutoTicketStore(ctx.pool()), ctx.clock(),
            openTickets, config.contextMessageInterval(), config.ticketUpdateInterval(),
            config.ticketMaxQueuedEvents(), config.ticketMaxDeferredEvents(),
            config.ticketMaxUpdatesPerSecond(), ctx.registry()), 1));
      }
      chain = chain.compose(v -> deploy(() -> new ErrorLogRetention(ctx.pool(), config.retentionDays(),
          config.retentionBatchSize(), config.retentionInterval(), ctx.registry()), 1));
    }
    ErrorSink sink;
    if (k.enabled()) {
      kafka = new KafkaIngest(ctx, config, k, ingests, processes);
      chain = chain.compose(v -> kafka.start());
      sink = ingests ? kafka.publisher() : refusing(config.retryAfterSeconds());
    } else {
      sink = new WriterSink(vertx, loopWriters, config.retryAfterSeconds());
    }
    routes = new WebhookRoutes(config, payloads, mcp, sentry, sink, metrics, ctx.clock());
    return chain;
  }

  /**
   * One direct writer per HTTP event loop (pools built here, on the starting thread, outside any verticle; each
   * opens its connections only when its loop first writes): {@code writer-concurrency} connections for the
   * statements in flight and one for the writer's probe of a slow store.
   */
  private static LoopWriters loopWriters(EngineContext ctx, ErrorEventWriter.Settings settings) {
    List<Pool> pools = new ArrayList<>();
    for (int i = 0; i < ctx.engine().http().instances(); i++) {
      pools.add(ctx.dedicated().create(settings.concurrency() + 1, "supportpilot-error-writer-" + i));
    }
    return new LoopWriters(ctx.vertx(), settings, ctx.registry(), pools);
  }

  /** Loads the JCE provider, Jackson and the digests off the event loops, so the first request is not slow. */
  private static void warmUp(PayloadReaders payloads, Signatures mcp, Signatures sentry) {
    byte[] b = ("{\"error_type\":\"Warm\",\"message\":\"up 1\",\"stack\":\"at x (a.js:1:2)\","
        + "\"context\":{\"k\":1}}").getBytes(StandardCharsets.UTF_8);
    payloads.mcpEvents().read(b, 0, b.length, Instant.now(), "", "0");
    payloads.sentryEvents().map("issue", payloads.json().parse(new byte[] {'{', '}'}, 0, 2), Instant.now());
    Signatures.withSecret("warm-up", "warm-up").hmac(null, b, 0, b.length);
  }

  private static ErrorSink refusing(int retryAfter) {
    return new ErrorSink() {
      @Override
      public Future<boolean[]> submit(List<ErrorEvent> events) {
        return Future.failedFuture(HttpFailure.unavailable("this instance only processes errors (kafka.role "
            + "= process); send webhooks to an ingest instance", retryAfter));
      }

      @Override
      public boolean detectsDuplicates() {
        return false;
      }
    };
  }

  private Future<Void> deploy(Supplier<Deployable> factory, int instances) {
    return vertx.deployVerticle(factory, new DeploymentOptions().setInstances(instances))
        .map(id -> {
          deployments.add(id);
          return null;
        });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    routes.mount(router);
  }

  @Override
  public Future<Void> stop() {
    // The HTTP servers have stopped: flush the producer, stop consuming, then drain the writers and the rest.
    Future<Void> chain = kafka == null ? Future.succeededFuture() : kafka.stopIngest();
    if (loopWriters != null) {
      chain = chain.compose(v -> loopWriters.stop());
    }
    chain = chain.compose(v -> kafka == null ? Future.succeededFuture() : kafka.stopProcessing());
    for (String id : deployments) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> {
        LOG.warn("ingestion verticle {} did not stop cleanly: {}", id, e.getMessage());
        return Future.succeededFuture();
      }));
    }
    return chain;
  }
}
