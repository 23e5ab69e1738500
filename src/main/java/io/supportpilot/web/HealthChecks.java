package io.supportpilot.web;

import io.vertx.core.Future;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Named readiness checks (database, broker, ...), each succeeding when its dependency is usable, and liveness
 * checks, each false when the engine cannot recover by itself and should be restarted.
 */
public final class HealthChecks {

  private final Map<String, Supplier<Future<?>>> checks = new ConcurrentHashMap<>();
  private final Map<String, BooleanSupplier> liveness = new ConcurrentHashMap<>();

  /** Registers a liveness check under a name; cheap and non-blocking, called on an event loop. */
  public void registerLiveness(String name, BooleanSupplier alive) {
    liveness.put(name, alive);
  }

  /** The registered liveness checks. */
  public Map<String, BooleanSupplier> liveness() {
    return Map.copyOf(liveness);
  }

  /** Registers a readiness check under a name. */
  public void register(String name, Supplier<Future<?>> check) {
    checks.put(name, check);
  }

  /** The registered checks. */
  public Map<String, Supplier<Future<?>>> all() {
    return Map.copyOf(checks);
  }
}
