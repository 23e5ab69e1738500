package io.supportpilot.rules;

import java.util.List;

/** An enabled rule ready to evaluate: immutable, shared by every verticle through {@link RuleBook}. */
record CompiledRule(String id, String name, TriggerType triggerType, io.vertx.core.json.JsonObject conditionJson,
    Condition condition, List<Action> actions, String webhookSecret) {
}
