package io.supportpilot.bench.load;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

/**
 * The baseline of the load benchmark: a bare Vert.x HTTP server that reads the body and answers 202 with a
 * small JSON body, doing no work. Usage: {@code BareServer <port> [instances]}.
 */
public final class BareServer extends AbstractVerticle {

  private final int port;

  BareServer(int port) {
    this.port = port;
  }

  @Override
  public void start(io.vertx.core.Promise<Void> started) {
    vertx.createHttpServer(new HttpServerOptions().setPort(port).setReusePort(true).setTcpNoDelay(true))
        .requestHandler(req -> req.body().onComplete(ar -> req.response().setStatusCode(202)
            .putHeader("Content-Type", "application/json").end("{\"status\":\"accepted\",\"event_id\":\"x\"}")))
        .listen().<Void>mapEmpty().onComplete(started);
  }

  /** Starts the server and blocks until killed. */
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new BareServer(port), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("bare server listening on " + port))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }
}
