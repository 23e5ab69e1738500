package io.supportpilot.web;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.supportpilot.config.Config;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.config.Secrets;
import io.supportpilot.store.Database;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Clock;

/**
 * What capabilities get from the engine: Vert.x, configuration, secrets, the Postgres pool, the factory of dedicated
 * connection pools, the metrics registry, the clock, the auth handlers, the readiness checks and the services
 * capabilities offer each other.
 */
public record EngineContext(
    Vertx vertx,
    Config config,
    EngineConfig engine,
    Secrets secrets,
    Pool pool,
    Database.Dedicated dedicated,
    PrometheusMeterRegistry registry,
    Clock clock,
    BearerAuth adminAuth,
    BearerAuth portalAuth,
    HealthChecks health,
    Services services) {
}
