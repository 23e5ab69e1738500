package io.supportpilot.web;

import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Named readiness checks (database, broker, ...); each succeeds when its dependency is usable. */
public final class HealthChecks {

  private final Map<String, Supplier<Future<?>>> checks = new ConcurrentHashMap<>();

  /** Registers a readiness check under a name. */
  public void register(String name, Supplier<Future<?>> check) {
    checks.put(name, check);
  }

  /** The registered checks. */
  public Map<String, Supplier<Future<?>>> all() {
    return Map.copyOf(checks);
  }
}
