package io.supportpilot;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.supportpilot.admin.AdminTokens;
import io.supportpilot.bus.BusCodecs;
import io.supportpilot.config.Config;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.config.Secrets;
import io.supportpilot.config.StartupRefused;
import io.supportpilot.store.Database;
import io.supportpilot.store.EmbeddedDatabase;
import io.supportpilot.store.Migrations;
import io.supportpilot.web.BearerAuth;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.supportpilot.web.HealthChecks;
import io.supportpilot.web.HttpServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole engine: configuration, (embedded) Postgres, migrations, Vert.x with Prometheus metrics, the
 * capabilities and the HTTP servers. {@link #start} and {@link #stop} block the calling thread, which must
 * not be an event loop (they run in {@code main}, in a shutdown hook, or in a test thread).
 */
public final class Engine {

  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

  private final EngineContext ctx;
  private final EmbeddedDatabase embedded;
  private final List<Capability> capabilities;
  private final String httpDeployment;
  private final int port;
  private final List<Integer> httpPorts;
  private final AtomicReference<Future<Void>> stopping = new AtomicReference<>();

  /** The Postgres the engine uses: the embedded one it started (null when external) and the URL to reach it. */
  private record Postgres(EmbeddedDatabase embedded, String url) {
  }

  /** The HTTP server verticles once listening: their deployment, their common port and each instance's port. */
  private record HttpServers(String deployment, int port, List<Integer> ports) {
  }

  private Engine(EngineContext ctx, EmbeddedDatabase embedded, List<Capability> capabilities, String httpDeployment,
      int port, List<Integer> httpPorts) {
    this.ctx = ctx;
    this.embedded = embedded;
    this.capabilities = capabilities;
    this.httpDeployment = httpDeployment;
    this.port = port;
    this.httpPorts = httpPorts;
  }

  /** Starts with the process environment. */
  public static Engine start() {
    return start(System.getenv());
  }

  /** Starts with the given environment (config overlay and secrets). Blocks until listening. */
  public static Engine start(Map<String, String> env) {
    return start(ConfigLoader.load(env), Secrets.from(env), Clock.systemUTC());
  }

  /** Starts with an explicit config, secrets and clock. Blocks until listening. */
  public static Engine start(Config config, Secrets secrets, Clock clock) {
    EngineConfig engineConfig = EngineConfig.from(config);
    List<Capability> capabilities = Capabilities.create(config);
    VertxOptions options = vertxOptions(config);

    refuseBusyPort(engineConfig.http());
    Postgres pg = startPostgres(engineConfig.pg());
    Vertx vertx = null;
    try {
      Migrations.migrate(pg.url());
      PrometheusMeterRegistry registry = meterRegistry();
      vertx = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
      prepare(vertx, options);
      EngineContext ctx = context(vertx, config, engineConfig, secrets, clock, registry, pg);
      List<Capability> started = startCapabilities(capabilities, ctx);
      HttpServers http = startHttpServers(ctx, capabilities);
      LOG.info("supportpilot listening on http://{}:{} ({} HTTP instances, {} Postgres, {} mode)",
          engineConfig.http().host(), http.port(), engineConfig.http().instances(),
          engineConfig.pg().embedded() ? "embedded" : "external",
          engineConfig.kafka().enabled() ? "scaled" : "embedded");
      return new Engine(ctx, pg.embedded(), started, http.deployment(), http.port(), http.ports());
    } catch (RuntimeException e) {
      if (vertx != null) {
        try {
          vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // best effort on a failed start
        }
      }
      if (pg.embedded() != null) {
        pg.embedded().close();
      }
      throw e;
    }
  }

  /** Starts (and supervises) the embedded Postgres, or names the external one. */
  private static Postgres startPostgres(EngineConfig.Pg pg) {
    if (pg.embedded()) {
      EmbeddedDatabase embedded = EmbeddedDatabase.start(pg.dataDir(), pg.embeddedPort(), pg.durability());
      embedded.supervise(Duration.ofMillis(500));
      return new Postgres(embedded, embedded.url());
    }
    String url = pg.url().get();
    LOG.info("using external Postgres {}", Migrations.PgUrl.parse(url));
    return new Postgres(null, url);
  }

  /** The Prometheus registry with the JVM and process meters. */
  private static PrometheusMeterRegistry meterRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // promtool lints two of Micrometer's processor meter names; the rest of the binder is kept.
    registry.config().meterFilter(MeterFilter.deny(id ->
        id.getName().equals("system.cpu.count") || id.getName().equals("process.cpu.time")));
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }

  /** Vert.x options from the {@code vertx.*} config: blocked-thread checks, metrics, event loops. */
  private static VertxOptions vertxOptions(Config config) {
    Duration maxLoop = config.duration("vertx.max-event-loop-execute-time", Duration.ofMillis(1));
    Duration stackAfter = config.duration("vertx.blocked-thread-stack-after", Duration.ofMillis(1));
    int loops = config.intIn("vertx.event-loops", 0, 256);
    boolean requestMetrics = config.bool("vertx.request-metrics");
    VertxOptions options = new VertxOptions()
        .setMaxEventLoopExecuteTime(maxLoop.toNanos())
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.NANOSECONDS)
        .setWarningExceptionTime(stackAfter.toNanos())
        .setWarningExceptionTimeUnit(TimeUnit.NANOSECONDS)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(false)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    if (!requestMetrics) {
      // Per-request and per-message meters cost ~5 us per webhook (meter lookups, tags, timers); the engine's own
      // ingest, ticket and agent meters say what an operator needs. Pool and HTTP client meters stay.
      MicrometerMetricsOptions m = (MicrometerMetricsOptions) options.getMetricsOptions();
      m.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    if (loops > 0) {
      options.setEventLoopPoolSize(loops);
    }
    return options;
  }

  /** Registers the bus codecs and starts the worker pool's threads. */
  private static void prepare(Vertx vertx, VertxOptions options) {
    BusCodecs.register(vertx.eventBus());
    // Start the worker pool's threads now, from this thread: its executor creates a thread for each task until it
    // reaches its core size, on the thread that submits the task, which later is an event loop (a Kafka send, a
    // search); on a starved machine creating a thread there took over 200 ms.
    for (int i = 0; i < options.getWorkerPoolSize(); i++) {
      vertx.executeBlocking(() -> null, false);
    }
  }

  /** What every capability gets: the pool and its health checks, the bearer auth, the factory of dedicated pools. */
  private static EngineContext context(Vertx vertx, Config config, EngineConfig engineConfig, Secrets secrets,
      Clock clock, PrometheusMeterRegistry registry, Postgres pg) {
    Pool pool = Database.pool(vertx, pg.url(), engineConfig.pg());
    HealthChecks health = new HealthChecks();
    health.register("database", () -> pool.query("SELECT 1").execute());
    if (pg.embedded() != null) {
      health.registerLiveness("database", pg.embedded()::restorable);
    }
    BearerAuth admin = adminAuth(pool, secrets);
    BearerAuth portal = portalAuth(secrets);
    // Components that need connections of their own (the per-event-loop error writers) build them from this.
    Database.Dedicated dedicated = Database.Dedicated.of(vertx, pg.url(), engineConfig.pg());
    return new EngineContext(vertx, config, engineConfig, secrets, pool, dedicated, registry, clock, admin, portal,
        health);
  }

  /** The admin API's bearer auth, from the admin token (generated and stored on the first start without one). */
  private static BearerAuth adminAuth(Pool pool, Secrets secrets) {
    byte[] adminHash = await(AdminTokens.resolve(pool, secrets), "admin token");
    return BearerAuth.forHash("the admin API", adminHash);
  }

  /** The customer API's bearer auth, from PORTAL_SERVICE_TOKEN; without it the customer API refuses every request. */
  private static BearerAuth portalAuth(Secrets secrets) {
    return secrets.get("PORTAL_SERVICE_TOKEN")
        .map(t -> BearerAuth.forHash("the customer API", BearerAuth.sha256(t)))
        .orElseGet(() -> {
          LOG.warn("PORTAL_SERVICE_TOKEN is not set: the customer API refuses every request");
          return BearerAuth.refuseAll("the customer API (PORTAL_SERVICE_TOKEN is not configured)");
        });
  }

  /** Starts the capabilities one after the other, in list order; returns them once all started. */
  private static List<Capability> startCapabilities(List<Capability> capabilities, EngineContext ctx) {
    List<Capability> started = new ArrayList<>();
    for (Capability c : capabilities) {
      await(c.start(ctx), "capability " + c.name());
      started.add(c);
    }
    return started;
  }

  /** Deploys the HTTP server verticles with every capability's routes; fails unless all listen on one port. */
  private static HttpServers startHttpServers(EngineContext ctx, List<Capability> capabilities) {
    List<HttpServerVerticle> servers = Collections.synchronizedList(new ArrayList<>());
    String deployment = await(ctx.vertx().deployVerticle(() -> {
      HttpServerVerticle v = new HttpServerVerticle(ctx, capabilities);
      servers.add(v);
      return v;
    }, new DeploymentOptions().setInstances(ctx.engine().http().instances())), "HTTP server");
    int port = servers.get(0).actualPort();
    for (HttpServerVerticle v : servers) {
      if (v.actualPort() != port) {
        throw new IllegalStateException("the HTTP instances listen on different ports (" + port + ", "
            + v.actualPort() + "): each would serve on one event loop only");
      }
    }
    List<Integer> ports = servers.stream().map(HttpServerVerticle::actualPort).toList();
    return new HttpServers(deployment, port, ports);
  }

  /**
   * Refuses to start, before any other work, when the configured HTTP port is already taken (a second engine, or
   * another server); 0 (any free port) is never refused.
   */
  private static void refuseBusyPort(EngineConfig.Http http) {
    if (http.port() == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(http.host(), http.port()));
    } catch (IOException e) {
      throw new StartupRefused("HTTP port " + http.port() + " on " + http.host()
          + " is already in use; stop what listens there or set HTTP_PORT to a free port (0 picks one)");
    }
  }

  /** The HTTP port. */
  public int port() {
    return port;
  }

  /** The port of each HTTP verticle instance (one per instance; all the same). */
  public List<Integer> httpPorts() {
    return httpPorts;
  }

  /** What capabilities see: Vert.x, pool, registry, config. */
  public EngineContext context() {
    return ctx;
  }

  /**
   * The started capability of the given type, for what it offers others (its triage, its active spikes); fails when
   * the engine has none of that type.
   */
  public <C extends Capability> C capability(Class<C> type) {
    return capabilities.stream().filter(type::isInstance).map(type::cast).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no " + type.getSimpleName() + " in this engine"));
  }

  /** Vert.x. */
  public Vertx vertx() {
    return ctx.vertx();
  }

  /** The Postgres pool. */
  public Pool pool() {
    return ctx.pool();
  }

  /**
   * Stops in order: HTTP servers stop accepting and finish in-flight requests, capabilities flush and stop in
   * reverse order, then the pool, Vert.x and the embedded database. Blocks; safe to call twice.
   */
  public void stop() {
    Future<Void> f = stopping.get();
    if (f == null) {
      LOG.info("stopping: HTTP servers stop accepting");
      Future<Void> chain = ctx.vertx().undeploy(httpDeployment)
          .onComplete(ar -> LOG.info("stopping: HTTP servers stopped, flushing capabilities"))
          .recover(e -> {
            LOG.warn("HTTP servers did not stop cleanly: {}", e.getMessage());
            return Future.succeededFuture();
          })
          .compose(v -> stopCapabilities(capabilities.size() - 1))
          .compose(v -> ctx.pool().close())
          .recover(e -> Future.succeededFuture())
          .onComplete(ar -> LOG.info("stopping: pool closed, closing Vert.x"));
      if (!stopping.compareAndSet(null, chain)) {
        chain = stopping.get();
      }
      f = chain;
    }
    try {
      f.await(ctx.engine().shutdownGrace().toMillis() + 30_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("engine did not stop within the grace period: {}", String.valueOf(e));
    }
    try {
      // Closed from this (non-Vert.x) thread: a close chained on an event loop would never see its own completion.
      ctx.vertx().close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Vert.x did not close cleanly: {}", String.valueOf(e));
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
    LOG.info("supportpilot stopped");
  }

  private Future<Void> stopCapabilities(int i) {
    if (i < 0) {
      return Future.succeededFuture();
    }
    Capability c = capabilities.get(i);
    return c.stop()
        .recover(e -> {
          LOG.warn("capability {} did not stop cleanly: {}", c.name(), e.getMessage());
          return Future.succeededFuture();
        })
        .compose(v -> stopCapabilities(i - 1));
  }

  private static <T> T await(Future<T> f, String what) {
    try {
      return f.await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not start within 60 s");
    } catch (Exception e) {
      throw new IllegalStateException(what + " failed to start: " + e.getMessage(), e);
    }
  }
}
