package io.supportpilot.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.agent.ClaudeGateway.Refusal;
import io.supportpilot.agent.ClaudeGateway.Unavailable;
import io.vertx.core.Future;
import java.util.EnumMap;
import java.util.Map;

/** Refuses Claude calls: counts each refusal by its reason and fails the call with {@link Unavailable}. */
final class Refusals {

  private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);

  Refusals(MeterRegistry registry) {
    for (Refusal r : Refusal.values()) {
      refused.put(r, Counter.builder(ClaudeGateway.METRIC_REFUSED).tag("reason", r.name().toLowerCase())
          .description("Claude calls refused before the API (offline agent answered)").register(registry));
    }
  }

  /** A future failed with {@link Unavailable} for {@code reason}, counted in the refusal metric. */
  <T> Future<T> refuse(Refusal reason, String detail) {
    refused.get(reason).increment();
    return Future.failedFuture(new Unavailable(reason, detail));
  }
}
