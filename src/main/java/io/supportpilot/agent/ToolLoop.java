package io.supportpilot.agent;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The Claude tool loop: sends the system prompt, the tools (JSON schemas) and the conversation; executes every
 * {@code tool_use} block of a reply in order and answers them all in the next user turn with {@code tool_result}
 * blocks of matching ids (failures as {@code is_error}); continues until {@code end_turn}. Refusals, truncation
 * ({@code max_tokens}) and the per-run caps on iterations and tokens end the run with a reason the agent acts on.
 */
final class ToolLoop {

  /** How a run ended. {@code text} is the final answer text (from respond_to_customer or the last turn). */
  record Result(String outcome, String text, SupportTools.RunState state, int iterations, long tokens) {

    boolean answered() {
      return "answered".equals(outcome);
    }
  }

  private final ClaudeGateway gateway;
  private final SupportTools tools;
  private final int maxIterations;
  private final long maxTokensPerRun;

  ToolLoop(ClaudeGateway gateway, SupportTools tools, int maxIterations, long maxTokensPerRun) {
    this.gateway = gateway;
    this.tools = tools;
    this.maxIterations = maxIterations;
    this.maxTokensPerRun = maxTokensPerRun;
  }

  /**
   * Runs the loop for one conversation. {@code allowed} limits the tools offered (an auto-ticket answer that is
   * shared across customers gets no customer-specific tools). Fails only with {@link ClaudeGateway.Unavailable}.
   */
  Future<Result> run(SupportTools.Scope scope, String system, String userTurn, Set<String> allowed,
      JsonObject replyMeta, String purpose) {
    JsonArray defs = new JsonArray();
    SupportTools.definitions().forEach(t -> {
      if (allowed.contains(((JsonObject) t).getString("name"))) {
        defs.add(t);
      }
    });
    List<JsonObject> messages = new ArrayList<>();
    messages.add(new JsonObject().put("role", "user").put("content", new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", userTurn))));
    return turn(scope, system, defs, allowed, messages, new SupportTools.RunState(), replyMeta, purpose, 0, 0);
  }

  private Future<Result> turn(SupportTools.Scope scope, String system, JsonArray defs, Set<String> allowed,
      List<JsonObject> messages, SupportTools.RunState state, JsonObject replyMeta, String purpose, int iteration,
      long tokens) {
    if (iteration >= maxIterations) {
      return Future.succeededFuture(new Result("iteration_cap", null, state, iteration, tokens));
    }
    if (tokens >= maxTokensPerRun) {
      return Future.succeededFuture(new Result("token_cap", null, state, iteration, tokens));
    }
    JsonObject request = new JsonObject().put("system", system).put("messages", new JsonArray(new ArrayList<>(messages)));
    if (!defs.isEmpty()) {
      request.put("tools", defs);
    }
    return gateway.send(request, scope.conversationId(), purpose).compose(reply -> {
      long used = tokens + reply.inputTokens() + reply.outputTokens();
      JsonArray content = reply.content();
      String text = text(content);
      switch (reply.stopReason()) {
        case "tool_use":
          messages.add(new JsonObject().put("role", "assistant").put("content", content));
          JsonObject meta = replyMeta.copy().put("iterations", iteration + 1);
          return toolResults(content, scope, state, allowed, meta, 0, new JsonArray()).compose(results -> {
            if (results.isEmpty()) {
              return Future.succeededFuture(new Result("malformed", null, state, iteration + 1, used));
            }
            messages.add(new JsonObject().put("role", "user").put("content", results));
            return turn(scope, system, defs, allowed, messages, state, replyMeta, purpose, iteration + 1, used);
          });
        case "pause_turn":
          messages.add(new JsonObject().put("role", "assistant").put("content", content));
          return turn(scope, system, defs, allowed, messages, state, replyMeta, purpose, iteration + 1, used);
        case "end_turn":
        case "stop_sequence":
          return Future.succeededFuture(new Result(state.responded || !text.isBlank() ? "answered" : "empty",
              text, state, iteration + 1, used));
        case "refusal":
          return Future.succeededFuture(new Result("refusal", null, state, iteration + 1, used));
        case "max_tokens":
        case "model_context_window_exceeded":
          // A truncated answer is never sent to a customer; the agent falls back.
          return Future.succeededFuture(new Result(state.responded ? "answered" : "max_tokens", null, state,
              iteration + 1, used));
        default:
          return Future.succeededFuture(new Result("unexpected_stop_reason", null, state, iteration + 1, used));
      }
    });
  }

  private Future<JsonArray> toolResults(JsonArray content, SupportTools.Scope scope, SupportTools.RunState state,
      Set<String> allowed, JsonObject meta, int i, JsonArray results) {
    if (i >= content.size()) {
      return Future.succeededFuture(results);
    }
    JsonObject block = content.getJsonObject(i);
    if (!"tool_use".equals(block.getString("type"))) {
      return toolResults(content, scope, state, allowed, meta, i + 1, results);
    }
    String id = block.getString("id");
    String name = block.getString("name");
    Future<JsonObject> run = allowed.contains(name)
        ? tools.execute(name, block.getJsonObject("input", new JsonObject()), scope, state, meta)
        : Future.failedFuture(new SupportTools.ToolError("tool " + name + " is not available here"));
    return run.transform(ar -> {
      JsonObject r = new JsonObject().put("type", "tool_result").put("tool_use_id", id);
      if (ar.succeeded()) {
        r.put("content", ar.result().encode());
      } else {
        Throwable e = ar.cause();
        r.put("content", e instanceof SupportTools.ToolError ? e.getMessage()
            : "the tool failed; try another way or tell the customer a colleague will follow up").put("is_error", true);
      }
      results.add(r);
      return toolResults(content, scope, state, allowed, meta, i + 1, results);
    });
  }

  static String text(JsonArray content) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonObject b = content.getJsonObject(i);
      if ("text".equals(b.getString("type"))) {
        if (sb.length() > 0) {
          sb.append("\n\n");
        }
        sb.append(b.getString("text"));
      }
    }
    return sb.toString().strip();
  }
}
