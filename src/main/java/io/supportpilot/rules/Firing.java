package io.supportpilot.rules;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A rule that matched a trigger object: the rule, the object's key (unique per rule in {@code rule_runs}) and the
 * object as recorded. {@code runId} is set once the firing is claimed in Postgres.
 */
final class Firing {

  final CompiledRule rule;
  final String triggerKey;
  final JsonObject object;
  final Instant firedAt;
  long runId;

  Firing(CompiledRule rule, String triggerKey, JsonObject object, Instant firedAt) {
    this.rule = rule;
    this.triggerKey = triggerKey;
    this.object = object;
    this.firedAt = firedAt;
  }
}
