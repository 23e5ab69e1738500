package io.supportpilot.agent;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A local fake of the Anthropic Messages API ({@code POST /v1/messages}) that checks requests as the real one does
 * (headers, model, max_tokens, roles that alternate starting with user, every tool_result answering a tool_use id
 * of the previous assistant turn and every tool_use answered, tool_result blocks first, tool schemas that are
 * JSON-schema objects, a tool_choice that names a declared tool) and answers from a script: messages, tool use,
 * 429 with retry-after, 529, 500, delays and malformed bodies. Violations answer 400 {@code invalid_request_error}
 * and are kept for the test to assert on.
 */
public final class FakeAnthropic implements AutoCloseable {

  public static final String KEY = "sk-ant-test-key";
  private static final Pattern TOOL_NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

  /** One scripted reply. */
  public record Step(int status, String retryAfter, String body, long delayMs) {
  }

  /** A request as received, with its arrival time. */
  public record Received(JsonObject body, long arrivedNanos, long servedNanos) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Queue<Function<JsonObject, Step>> script = new ConcurrentLinkedQueue<>();
  private volatile Function<JsonObject, Step> fallback = req -> ok(message("end_turn", text("Default answer.")));
  private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger concurrent = new AtomicInteger();
  private final AtomicInteger maxConcurrent = new AtomicInteger();
  private final AtomicInteger ids = new AtomicInteger();

  public FakeAnthropic() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Adds scripted replies, used in order; then the fallback answers. */
  @SafeVarargs
  public final FakeAnthropic then(Function<JsonObject, Step>... steps) {
    script.addAll(List.of(steps));
    return this;
  }

  public FakeAnthropic fallback(Function<JsonObject, Step> f) {
    this.fallback = f;
    return this;
  }

  public void reset() {
    script.clear();
    received.clear();
    violations.clear();
    maxConcurrent.set(0);
    fallback = req -> ok(message("end_turn", text("Default answer.")));
  }

  public List<Received> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  public List<String> violations() {
    synchronized (violations) {
      return new ArrayList<>(violations);
    }
  }

  int maxConcurrent() {
    return maxConcurrent.get();
  }

  /** The most requests that arrived within any window of the given length. */
  int maxInWindow(long windowMs) {
    List<Long> t = new ArrayList<>();
    received().forEach(r -> t.add(r.arrivedNanos()));
    Collections.sort(t);
    int best = 0;
    int j = 0;
    for (int i = 0; i < t.size(); i++) {
      while (t.get(i) - t.get(j) >= TimeUnit.MILLISECONDS.toNanos(windowMs)) {
        j++;
      }
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  // ---- reply builders

  public static JsonObject text(String t) {
    return new JsonObject().put("type", "text").put("text", t);
  }

  public static JsonObject toolUse(String id, String name, JsonObject input) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", name).put("input", input);
  }

  public static JsonObject message(String stopReason, JsonObject... blocks) {
    return message(stopReason, 100, 50, blocks);
  }

  static JsonObject message(String stopReason, int in, int out, JsonObject... blocks) {
    return new JsonObject().put("id", "msg_" + System.nanoTime()).put("type", "message").put("role", "assistant")
        .put("model", "claude-test").put("content", new JsonArray(List.of((Object[]) blocks)))
        .put("stop_reason", stopReason).put("stop_sequence", (Object) null)
        .put("usage", new JsonObject().put("input_tokens", in).put("output_tokens", out));
  }

  public static Step ok(JsonObject message) {
    return new Step(200, null, message.encode(), 0);
  }

  public static Step okAfter(JsonObject message, long delayMs) {
    return new Step(200, null, message.encode(), delayMs);
  }

  public static Step error(int status, String type, String retryAfter) {
    return new Step(status, retryAfter, new JsonObject().put("type", "error").put("error", new JsonObject()
        .put("type", type).put("message", type)).encode(), 0);
  }

  public static Step raw(String body, long delayMs) {
    return new Step(200, null, body, delayMs);
  }

  /** The tool_result blocks of the last user message. */
  public static JsonArray lastToolResults(JsonObject request) {
    JsonArray msgs = request.getJsonArray("messages");
    JsonObject last = msgs.getJsonObject(msgs.size() - 1);
    JsonArray out = new JsonArray();
    Object c = last.getValue("content");
    if (c instanceof JsonArray) {
      for (Object b : (JsonArray) c) {
        if ("tool_result".equals(((JsonObject) b).getString("type"))) {
          out.add(b);
        }
      }
    }
    return out;
  }

  // ---- the server

  private void handle(HttpServerRequest req) {
    long arrived = System.nanoTime();
    req.body().onSuccess(buf -> {
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      JsonObject body;
      try {
        body = buf.toJsonObject();
      } catch (RuntimeException e) {
        reject(req, "body is not a JSON object", arrived);
        return;
      }
      String problem = validate(req, body);
      if (problem != null) {
        violations.add(problem);
        reject(req, problem, arrived);
        return;
      }
      Function<JsonObject, Step> f = script.poll();
      Step step = (f == null ? fallback : f).apply(body);
      Promise<Void> wait = Promise.promise();
      if (step.delayMs() > 0) {
        vertx.setTimer(step.delayMs(), t -> wait.complete());
      } else {
        wait.complete();
      }
      wait.future().onComplete(x -> {
        received.add(new Received(body, arrived, System.nanoTime() - arrived));
        concurrent.decrementAndGet();
        if (req.response().closed()) {
          return; // the client timed out and went away
        }
        req.response().setStatusCode(step.status()).putHeader("content-type", "application/json")
            .putHeader("request-id", "req_" + ids.incrementAndGet());
        if (step.retryAfter() != null) {
          req.response().putHeader("retry-after", step.retryAfter());
        }
        req.response().end(step.body());
      });
    });
  }

  private void reject(HttpServerRequest req, String problem, long arrived) {
    concurrent.decrementAndGet();
    req.response().setStatusCode(400).putHeader("content-type", "application/json")
        .end(new JsonObject().put("type", "error").put("error", new JsonObject().put("type", "invalid_request_error")
            .put("message", problem)).encode());
  }

  static String validate(HttpServerRequest req, JsonObject body) {
    if (!"/v1/messages".equals(req.path()) || req.method() != io.vertx.core.http.HttpMethod.POST) {
      return "unknown endpoint " + req.method() + " " + req.path();
    }
    if (!KEY.equals(req.getHeader("x-api-key"))) {
      return "x-api-key missing or wrong";
    }
    if (req.getHeader("anthropic-version") == null) {
      return "anthropic-version header missing";
    }
    String ct = req.getHeader("content-type");
    if (ct == null || !ct.startsWith("application/json")) {
      return "content-type must be application/json";
    }
    if (!(body.getValue("model") instanceof String) || body.getString("model").isBlank()) {
      return "model: field required";
    }
    if (!(body.getValue("max_tokens") instanceof Integer) || body.getInteger("max_tokens") < 1) {
      return "max_tokens: must be a positive integer";
    }
    if (body.containsKey("system") && !(body.getValue("system") instanceof String)
        && !(body.getValue("system") instanceof JsonArray)) {
      return "system: must be a string or an array of text blocks";
    }
    Set<String> toolNames = new HashSet<>();
    if (body.containsKey("tools")) {
      if (!(body.getValue("tools") instanceof JsonArray)) {
        return "tools: must be an array";
      }
      for (Object o : body.getJsonArray("tools")) {
        if (!(o instanceof JsonObject)) {
          return "tools: each tool must be an object";
        }
        JsonObject t = (JsonObject) o;
        String name = t.getString("name");
        if (name == null || !TOOL_NAME.matcher(name).matches() || !toolNames.add(name)) {
          return "tools: invalid or duplicate name " + name;
        }
        if (!(t.getValue("input_schema") instanceof JsonObject)) {
          return "tools." + name + ".input_schema: field required";
        }
        String schemaProblem = schema(t.getJsonObject("input_schema"), true);
        if (schemaProblem != null) {
          return "tools." + name + ".input_schema: " + schemaProblem;
        }
      }
    }
    if (body.containsKey("tool_choice")) {
      String choiceProblem = toolChoice(body.getValue("tool_choice"), toolNames);
      if (choiceProblem != null) {
        return choiceProblem;
      }
    }
    if (!(body.getValue("messages") instanceof JsonArray) || body.getJsonArray("messages").isEmpty()) {
      return "messages: at least one message is required";
    }
    JsonArray msgs = body.getJsonArray("messages");
    String prevRole = null;
    Set<String> pendingToolUses = new HashSet<>();
    for (int i = 0; i < msgs.size(); i++) {
      if (!(msgs.getValue(i) instanceof JsonObject)) {
        return "messages." + i + ": must be an object";
      }
      JsonObject m = msgs.getJsonObject(i);
      String role = m.getString("role");
      if (!"user".equals(role) && !"assistant".equals(role)) {
        return "messages." + i + ".role: must be user or assistant";
      }
      if (i == 0 && !"user".equals(role)) {
        return "messages: the first message must use the user role";
      }
      if (role.equals(prevRole)) {
        return "messages: roles must alternate between user and assistant (" + i + ")";
      }
      Object content = m.getValue("content");
      if (content instanceof String) {
        if (!pendingToolUses.isEmpty()) {
          return "messages." + i + ": tool_use ids " + pendingToolUses + " were found without tool_result blocks";
        }
        prevRole = role;
        continue;
      }
      if (!(content instanceof JsonArray) || ((JsonArray) content).isEmpty()) {
        return "messages." + i + ".content: must be a string or a non-empty array";
      }
      JsonArray blocks = (JsonArray) content;
      Set<String> answered = new HashSet<>();
      Set<String> newToolUses = new HashSet<>();
      boolean seenOther = false;
      for (int b = 0; b < blocks.size(); b++) {
        JsonObject block = blocks.getJsonObject(b);
        String type = block.getString("type");
        if ("tool_result".equals(type)) {
          if (!"user".equals(role)) {
            return "messages." + i + ": tool_result blocks are only allowed in user messages";
          }
          if (seenOther) {
            return "messages." + i + ": tool_result blocks must come first in the content";
          }
          String id = block.getString("tool_use_id");
          if (id == null || !pendingToolUses.contains(id)) {
            return "messages." + i + ".content." + b + ": unexpected tool_use_id " + id
                + " (no tool_use with that id in the previous assistant message)";
          }
          if (!answered.add(id)) {
            return "messages." + i + ": duplicate tool_result for " + id;
          }
          Object c = block.getValue("content");
          if (c != null && !(c instanceof String) && !(c instanceof JsonArray)) {
            return "messages." + i + ".content." + b + ".content: must be a string or an array";
          }
          if (block.containsKey("is_error") && !(block.getValue("is_error") instanceof Boolean)) {
            return "messages." + i + ".content." + b + ".is_error: must be a boolean";
          }
        } else if ("tool_use".equals(type)) {
          seenOther = true;
          if (!"assistant".equals(role)) {
            return "messages." + i + ": tool_use blocks are only allowed in assistant messages";
          }
          if (!toolNames.contains(block.getString("name"))) {
            return "messages." + i + ": tool_use of an undeclared tool " + block.getString("name");
          }
          newToolUses.add(block.getString("id"));
        } else if ("text".equals(type)) {
          seenOther = true;
          if (!(block.getValue("text") instanceof String)) {
            return "messages." + i + ".content." + b + ".text: field required";
          }
          if ("user".equals(role) && ((String) block.getValue("text")).isBlank()) {
            return "messages." + i + ".content." + b + ".text: text content blocks must be non-empty";
          }
        } else {
          return "messages." + i + ".content." + b + ": unknown block type " + type;
        }
      }
      if (!pendingToolUses.isEmpty() && !answered.equals(pendingToolUses)) {
        return "messages." + i + ": tool_use ids " + pendingToolUses + " were found without tool_result blocks "
            + "immediately after";
      }
      pendingToolUses = newToolUses;
      prevRole = role;
    }
    if (!"user".equals(prevRole)) {
      return "messages: the last message must be from the user here (no prefill in this fake)";
    }
    return null;
  }

  private static String toolChoice(Object value, Set<String> toolNames) {
    if (!(value instanceof JsonObject)) {
      return "tool_choice: must be an object";
    }
    JsonObject c = (JsonObject) value;
    String type = c.getString("type");
    if (!Set.of("auto", "any", "tool", "none").contains(String.valueOf(type))) {
      return "tool_choice.type: must be auto, any, tool or none";
    }
    if (("any".equals(type) || "tool".equals(type)) && toolNames.isEmpty()) {
      return "tool_choice: " + type + " requires tools";
    }
    if ("tool".equals(type) && !toolNames.contains(c.getString("name"))) {
      return "tool_choice.name: no tool named " + c.getString("name");
    }
    return null;
  }

  private static String schema(JsonObject s, boolean top) {
    Object type = s.getValue("type");
    if (top && !"object".equals(type)) {
      return "type must be object";
    }
    if (type != null && !Set.of("object", "string", "integer", "number", "boolean", "array", "null").contains(type)) {
      return "unknown type " + type;
    }
    if (s.containsKey("properties")) {
      if (!(s.getValue("properties") instanceof JsonObject)) {
        return "properties must be an object";
      }
      for (String k : s.getJsonObject("properties").fieldNames()) {
        Object p = s.getJsonObject("properties").getValue(k);
        if (!(p instanceof JsonObject)) {
          return "property " + k + " must be a schema object";
        }
        String inner = schema((JsonObject) p, false);
        if (inner != null) {
          return k + ": " + inner;
        }
      }
    }
    if (s.containsKey("required")) {
      if (!(s.getValue("required") instanceof JsonArray)) {
        return "required must be an array";
      }
      for (Object r : s.getJsonArray("required")) {
        if (!s.containsKey("properties") || !s.getJsonObject("properties").containsKey(String.valueOf(r))) {
          return "required property " + r + " is not declared";
        }
      }
    }
    if (s.containsKey("enum") && !(s.getValue("enum") instanceof JsonArray)) {
      return "enum must be an array";
    }
    return null;
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort
    }
  }

  static Future<Void> none() {
    return Future.succeededFuture();
  }
}
