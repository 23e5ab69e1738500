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
 * What every capability gets from the engine: Vert.x, configuration, secrets, the Postgres pool, the factory of
 * dedicated connection pools, the metrics registry, the clock, the auth handlers and the readiness checks. What one
 * capability offers another is handed to it through its constructor (see {@code Capabilities}), not through here.
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
    HealthChecks health) {
}
