package io.supportpilot.rules;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** An enabled rule ready to evaluate: immutable, shared by every verticle through {@link RuleBook}. */
record CompiledRule(String id, String name, TriggerType triggerType, JsonObject conditionJson,
    Condition condition, List<Action> actions, String webhookSecret) {
}
