package io.supportpilot.spike;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.Addresses;
import io.supportpilot.config.Config;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.HttpServerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live error-spike detection: the spike detector verticle, the {@code ActiveSpikes} service and the admin
 * routes {@code GET /api/admin/spikes}, {@code GET /api/admin/spikes/{id}}, {@code GET /api/admin/spikes/counters},
 * {@code POST /api/admin/spikes/stream-token} and the SSE stream {@code GET /api/admin/spikes/stream}.
 */
public final class SpikesCapability implements Capability, HttpServerVerticle.PreAuthRoutes {

  /** Active spikes (gauge). */
  public static final String METRIC_ACTIVE = "supportpilot.spikes.active";
  /** Spikes opened since start (counter). */
  public static final String METRIC_OPENED = "supportpilot.spikes.opened";
  /** Connected SSE subscribers (gauge). */
  public static final String METRIC_SUBSCRIBERS = "supportpilot.spikes.sse.subscribers";
  /** SSE subscribers dropped because they could not keep up (counter). */
  public static final String METRIC_DROPPED = "supportpilot.spikes.sse.dropped";
  /** Error types and fingerprints with a live window (gauge). */
  public static final String METRIC_KEYS = "supportpilot.spikes.tracked.keys";

  private static final Logger LOG = LoggerFactory.getLogger(SpikesCapability.class);
  private static final String STREAM = "/api/admin/spikes/stream";

  private final SpikesConfig config;
  private SpikeFeed feed;
  private StreamTokens tokens;
  private SpikeStore store;
  private Counter dropped;
  private WebClient client;
  private Vertx vertx;
  private String deployment;

  /** Reads and validates the capability's configuration (a bad value stops start-up). */
  public SpikesCapability(Config config) {
    this.config = SpikesConfig.from(config);
  }

  @Override
  public String name() {
    return "spikes";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    vertx = ctx.vertx();
    boolean scaled = ctx.engine().kafka().enabled();
    String key = ctx.secrets().get("STREAM_TOKEN_KEY").orElse(null);
    if (key == null && scaled) {
      LOG.warn("STREAM_TOKEN_KEY is not set: stream tokens only work on the instance that issued them");
    }
    tokens = new StreamTokens(StreamTokens.keyFrom(key), config.streamTokenTtl(), ctx.clock());
    feed = new SpikeFeed(config.streamBufferSize(), ctx.clock().millis());
    store = new SpikeStore(ctx.pool());
    client = WebClient.create(vertx, new WebClientOptions().setUserAgent("supportpilot").setConnectTimeout(5_000));
    Counter opened = Counter.builder(METRIC_OPENED).description("Error spikes opened").register(ctx.registry());
    dropped = Counter.builder(METRIC_DROPPED).description("Spike-stream subscribers dropped for being too slow")
        .register(ctx.registry());
    Gauge.builder(METRIC_ACTIVE, feed, f -> f.openSpikes().size()).description("Error spikes open now")
        .register(ctx.registry());
    Gauge.builder(METRIC_SUBSCRIBERS, feed, f -> f.subscribers().get()).description("Spike-stream subscribers")
        .register(ctx.registry());
    SpikeDetector detector = detector(ctx, scaled, opened);
    return vertx.deployVerticle(detector).onSuccess(id -> deployment = id).mapEmpty();
  }

  /** The spikes open now, once this capability has started; the support agent's tools read them. */
  public Optional<ActiveSpikes> activeSpikes() {
    return Optional.ofNullable(feed);
  }

  /** Wires the detector's parts, each given its collaborators here; they all run on the detector's event loop. */
  private SpikeDetector detector(EngineContext ctx, boolean scaled, Counter opened) {
    Clock clock = ctx.clock();
    EventBus bus = vertx.eventBus();
    SpikeRule rule = new SpikeRule(config.minCount(), config.ratio());
    SpikeCounters counters = new SpikeCounters(config.maxKeys(), config.fingerprints());
    Gauge.builder(METRIC_KEYS, counters, SpikeCounters::trackedKeys)
        .description("Error types and fingerprints with a live spike window").register(ctx.registry());
    SpikeLifecycle lifecycle = new SpikeLifecycle(rule, config.closeAfter(), config.updateInterval(),
        () -> UUID.randomUUID().toString());
    PartitionOwnership ownership = new PartitionOwnership(scaled);
    SpikePublisher publisher = new SpikePublisher(feed, counters, lifecycle, bus);
    SpikeAdoption adoption = new SpikeAdoption(store, counters, lifecycle, publisher, clock);
    SpikeAnnouncer announcer = new SpikeAnnouncer(store, new SlackNotifier(client, config.slackWebhookUrl()), bus);
    SpikeActions actions = new SpikeActions(store, config.sampleCount(), counters, lifecycle, publisher, announcer,
        adoption, clock, opened);
    SpikeCounting counting = new SpikeCounting(counters, lifecycle, actions, ownership, clock);
    CounterRebuild rebuild = new CounterRebuild(store, counters, lifecycle, ownership, adoption, counting, publisher,
        clock);
    return new SpikeDetector(config.tickInterval(), counting, rebuild,
        new CounterDrillDown(counters, lifecycle, ownership, rule, clock));
  }

  @Override
  public void preAuthRoutes(Router router, EngineContext ctx) {
    router.get(STREAM).handler(rc -> {
      String token = rc.request().getParam("token");
      if (token == null) {
        rc.next(); // bearer auth applies
      } else if (tokens.valid(token)) {
        rc.put(HttpServerVerticle.AUTHENTICATED, true);
        rc.next();
      } else {
        rc.fail(HttpFailure.unauthorized("the stream token is invalid or expired: get a new one from "
            + "POST /api/admin/spikes/stream-token"));
      }
    });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    router.get(STREAM).handler(rc -> SpikeStream.handle(rc, feed, config, dropped));
    router.post("/api/admin/spikes/stream-token").handler(rc -> {
      String token = tokens.issue();
      rc.response().setStatusCode(201);
      rc.json(new JsonObject().put("token", token).put("expires_at", tokens.expiryOfNew().toString())
          .put("stream_url", STREAM + "?token=" + token));
    });
    router.get("/api/admin/spikes/counters").handler(this::counters);
    router.get("/api/admin/spikes").handler(this::list);
    router.get("/api/admin/spikes/:id").handler(rc -> store.get(rc.pathParam("id")).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result().isEmpty()) {
        rc.fail(HttpFailure.notFound("no spike with id " + rc.pathParam("id")));
      } else {
        rc.json(ar.result().get());
      }
    }));
  }

  private void list(RoutingContext rc) {
    String status = rc.request().getParam("status");
    if (status != null && !status.equals("active") && !status.equals("ended")) {
      rc.fail(HttpFailure.badRequest("status must be active or ended"));
      return;
    }
    int limit = 50;
    String rawLimit = rc.request().getParam("limit");
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 500) {
        rc.fail(HttpFailure.badRequest("limit must be a whole number from 1 to 500"));
        return;
      }
    }
    store.list(status, limit).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else {
        rc.json(new JsonObject().put("spikes", ar.result()));
      }
    });
  }

  private void counters(RoutingContext rc) {
    String type = rc.request().getParam("error_type");
    rc.vertx().eventBus().<JsonObject>request(Addresses.SPIKES_COUNTERS, type == null ? "" : type,
        new DeliveryOptions().setSendTimeout(5_000)).onComplete(ar -> {
          if (ar.failed()) {
            rc.fail(HttpFailure.unavailable("the spike detector did not answer", 1));
          } else {
            rc.json(ar.result().body());
          }
        });
  }

  @Override
  public Future<Void> stop() {
    Future<Void> undeploy = deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
    return undeploy.onComplete(ar -> {
      if (client != null) {
        client.close();
      }
    });
  }
}
