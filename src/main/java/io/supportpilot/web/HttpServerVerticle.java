package io.supportpilot.web;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server instance (the engine deploys one per event loop). Route order: capabilities' pre-auth
 * routes, bearer auth on the admin and customer paths with a body limit, capabilities' routes, operations
 * routes, then a JSON 404 and the one failure handler. Request targets and admin/customer JSON bodies that no
 * column could store are refused first ({@link RequestGuard}). All instances listen on one port.
 */
public final class HttpServerVerticle extends VerticleBase {

  /** Routing-context key a pre-auth route sets when it has authenticated the request another way. */
  public static final String AUTHENTICATED = "supportpilot.authenticated";

  private static final int SHARED_RANDOM_PORT = -1;

  private final EngineContext ctx;
  private final List<Capability> capabilities;
  private HttpServer server;

  public HttpServerVerticle(EngineContext ctx, List<Capability> capabilities) {
    this.ctx = ctx;
    this.capabilities = capabilities;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(RequestGuard::target);
    // API answers carry account data: never cached by a browser or proxy, never sniffed as another media type.
    router.route("/api/*").handler(rc -> {
      rc.response().headers().set("Cache-Control", "no-store").set("X-Content-Type-Options", "nosniff");
      rc.next();
    });
    for (Capability c : capabilities) {
      if (c instanceof PreAuthRoutes) {
        ((PreAuthRoutes) c).preAuthRoutes(router, ctx);
      }
    }
    BodyHandler body = BodyHandler.create(false).setBodyLimit(ctx.engine().http().bodyLimitBytes());
    router.route("/api/admin/*").handler(rc -> authenticate(rc, ctx.adminAuth()));
    router.route("/api/triage").handler(rc -> authenticate(rc, ctx.adminAuth()));
    router.route("/api/triage/*").handler(rc -> authenticate(rc, ctx.adminAuth()));
    router.route("/api/support/*").handler(rc -> authenticate(rc, ctx.portalAuth()));
    router.route("/api/admin/*").handler(body).handler(RequestGuard::jsonBody);
    router.route("/api/triage").handler(body).handler(RequestGuard::jsonBody);
    router.route("/api/support/*").handler(body).handler(RequestGuard::jsonBody);
    for (Capability c : capabilities) {
      c.routes(router, ctx);
    }
    OpsRoutes.mount(router, ctx);
    router.route().last().handler(rc -> rc.fail(HttpFailure.notFound("no route for " + rc.request().method()
        + " " + rc.request().path())));
    router.route().failureHandler(new FailureHandler());
    HttpServerOptions options = new HttpServerOptions()
        .setHost(ctx.engine().http().host())
        .setTcpNoDelay(true)
        .setTcpFastOpen(true)
        .setReusePort(true)
        .setCompressionSupported(false)
        .setIdleTimeout(120);
    server = vertx.createHttpServer(options).requestHandler(router);
    int port = ctx.engine().http().port();
    // Port 0 would give every instance its own random port (one event loop each); a negative port makes Vert.x
    // bind one random port and share it between all instances, as a fixed port is shared.
    return server.listen(port == 0 ? SHARED_RANDOM_PORT : port, ctx.engine().http().host());
  }

  /** The port this instance listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    long graceMs = Math.max(0, ctx.engine().shutdownGrace().toMillis());
    return server.shutdown(graceMs, TimeUnit.MILLISECONDS);
  }

  private static void authenticate(RoutingContext rc, BearerAuth auth) {
    if (Boolean.TRUE.equals(rc.get(AUTHENTICATED))) {
      rc.next();
    } else {
      auth.handle(rc);
    }
  }

  /** A capability with routes that must run before bearer auth (e.g. a stream authenticated by a signed token). */
  public interface PreAuthRoutes {

    /** Mounts routes before auth; a route that authenticates sets {@link #AUTHENTICATED} and calls next(). */
    void preAuthRoutes(Router router, EngineContext ctx);
  }
}
