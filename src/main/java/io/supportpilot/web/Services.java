package io.supportpilot.web;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services that one capability offers to others (the triage engine to the agent, active spikes to the
 * agent's tools). A capability registers in {@code start}; later capabilities look them up in theirs.
 */
public final class Services {

  private final Map<Class<?>, Object> services = new ConcurrentHashMap<>();

  /** Registers the implementation of a service interface. */
  public <T> void register(Class<T> type, T implementation) {
    services.put(type, implementation);
  }

  /** The registered implementation, if any. */
  public <T> Optional<T> find(Class<T> type) {
    return Optional.ofNullable(type.cast(services.get(type)));
  }

  /** The registered implementation; fails when the providing capability did not start first. */
  public <T> T require(Class<T> type) {
    return find(type).orElseThrow(() -> new IllegalStateException("no " + type.getSimpleName()
        + " registered: check the capability order in Capabilities"));
  }
}
