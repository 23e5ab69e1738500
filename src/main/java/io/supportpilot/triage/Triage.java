package io.supportpilot.triage;

import io.vertx.core.Future;

/**
 * Confidence 2.0 triage of a customer question: offered by the knowledge capability, used by
 * {@code POST /api/triage} and by the support agent. Never blocks the caller.
 */
public interface Triage {

  /** Scores a question and decides the route. */
  Future<TriageDecision> triage(TriageQuery query);
}
