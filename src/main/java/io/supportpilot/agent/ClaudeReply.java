package io.supportpilot.agent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A successful Messages API reply: the assistant message as the API sent it, its stop reason and usage. */
public record ClaudeReply(JsonObject message, String stopReason, JsonArray content, int inputTokens,
    int outputTokens) {
}
