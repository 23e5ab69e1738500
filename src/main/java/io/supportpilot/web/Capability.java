package io.supportpilot.web;

import io.vertx.core.Future;
import io.vertx.ext.web.Router;

/**
 * One capability of the engine (ingestion, spikes, knowledge, agent, ...): its verticles and its HTTP routes.
 * The engine starts capabilities in order after the store is ready, mounts their routes on every HTTP
 * verticle instance, and stops them in reverse order after the HTTP servers stopped accepting.
 */
public interface Capability {

  /** A short name for logs. */
  String name();

  /** Deploys the capability's verticles and services. */
  default Future<Void> start(EngineContext ctx) {
    return Future.succeededFuture();
  }

  /** Mounts routes; called once per HTTP verticle instance, on that instance's event loop. Keep it cheap. */
  default void routes(Router router, EngineContext ctx) {
  }

  /** Flushes pending work and stops; called after the HTTP servers have stopped. */
  default Future<Void> stop() {
    return Future.succeededFuture();
  }
}
