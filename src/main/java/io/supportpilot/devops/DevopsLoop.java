package io.supportpilot.devops;

import io.supportpilot.agent.ClaudeGateway;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DevOps agent's Claude tool loop over the shared {@link ClaudeGateway} (its rate limiter, breaker, retries
 * and daily budget): every {@code tool_use} of a reply is executed in order and answered in the next user turn;
 * the run ends at {@code end_turn}, on a refusal or truncation, or at the iteration and token caps.
 */
final class DevopsLoop {

  private static final Logger LOG = LoggerFactory.getLogger(DevopsLoop.class);

  /** How a run ended. */
  record Result(String outcome, String text, int iterations, long tokens) {
  }

  private final ClaudeGateway gateway;
  private final DevopsTools tools;
  private final int maxIterations;
  private final long maxTokensPerRun;

  DevopsLoop(ClaudeGateway gateway, DevopsTools tools, int maxIterations, long maxTokensPerRun) {
    this.gateway = gateway;
    this.tools = tools;
    this.maxIterations = maxIterations;
    this.maxTokensPerRun = maxTokensPerRun;
  }

  /** Runs the loop for one task. Fails only with {@link ClaudeGateway.Unavailable}. */
  Future<Result> run(DevopsTasks.Task task, String system, String userTurn, DevopsTools.RunState state) {
    List<JsonObject> messages = new ArrayList<>();
    messages.add(new JsonObject().put("role", "user").put("content", new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", userTurn))));
    return turn(task, system, DevopsTools.definitions(), messages, state, 0, 0);
  }

  private Future<Result> turn(DevopsTasks.Task task, String system, JsonArray defs, List<JsonObject> messages,
      DevopsTools.RunState state, int iteration, long tokens) {
    if (iteration >= maxIterations) {
      return Future.succeededFuture(new Result("iteration_cap", null, iteration, tokens));
    }
    if (tokens >= maxTokensPerRun) {
      return Future.succeededFuture(new Result("token_cap", null, iteration, tokens));
    }
    JsonObject request = new JsonObject().put("system", system).put("messages", new JsonArray(new ArrayList<>(messages)))
        .put("tools", defs);
    return gateway.send(request, null, "devops").compose(reply -> {
      long used = tokens + reply.inputTokens() + reply.outputTokens();
      JsonArray content = reply.content();
      switch (reply.stopReason()) {
        case "tool_use":
          messages.add(new JsonObject().put("role", "assistant").put("content", content));
          return results(content, task, state, 0, new JsonArray()).compose(results -> {
            if (results.isEmpty()) {
              return Future.succeededFuture(new Result("malformed", null, iteration + 1, used));
            }
            messages.add(new JsonObject().put("role", "user").put("content", results));
            return turn(task, system, defs, messages, state, iteration + 1, used);
          });
        case "pause_turn":
          messages.add(new JsonObject().put("role", "assistant").put("content", content));
          return turn(task, system, defs, messages, state, iteration + 1, used);
        case "end_turn":
        case "stop_sequence":
          return Future.succeededFuture(new Result("answered", text(content), iteration + 1, used));
        default:
          return Future.succeededFuture(new Result(reply.stopReason(), null, iteration + 1, used));
      }
    });
  }

  private Future<JsonArray> results(JsonArray content, DevopsTasks.Task task, DevopsTools.RunState state, int i,
      JsonArray out) {
    if (i >= content.size()) {
      return Future.succeededFuture(out);
    }
    JsonObject block = content.getJsonObject(i);
    if (!"tool_use".equals(block.getString("type"))) {
      return results(content, task, state, i + 1, out);
    }
    String id = block.getString("id");
    return tools.execute(block.getString("name"), block.getJsonObject("input", new JsonObject()), task, state)
        .transform(ar -> {
          JsonObject r = new JsonObject().put("type", "tool_result").put("tool_use_id", id);
          if (ar.succeeded()) {
            r.put("content", ar.result().encode());
          } else {
            Throwable e = ar.cause();
            LOG.info("DevOps task {}: tool {} failed: {}", task.id(), block.getString("name"),
                Redactor.text(e.getMessage()));
            r.put("content", e instanceof DevopsTools.ToolError ? e.getMessage()
                : "the tool failed (" + e.getClass().getSimpleName() + "); continue without it").put("is_error", true);
          }
          out.add(r);
          return results(content, task, state, i + 1, out);
        });
  }

  private static String text(JsonArray content) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonObject b = content.getJsonObject(i);
      if ("text".equals(b.getString("type"))) {
        sb.append(b.getString("text")).append('\n');
      }
    }
    return sb.toString().strip();
  }
}
