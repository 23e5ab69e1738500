package io.supportpilot.agent;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeoutException;

/**
 * Reads what the Messages API answered: a 200 with a well-formed message becomes a {@link ClaudeReply}; an error
 * status, a malformed body or a request without a response becomes a {@link CallFailure} that says how the call
 * ended, whether a retry can help and the server's {@code retry-after}.
 */
final class ReplyReader {

  private ReplyReader() {
  }

  /** The reply of a response, or a future failed with the {@link CallFailure} the response describes. */
  static Future<ClaudeReply> read(HttpResponse<Buffer> resp) {
    int status = resp.statusCode();
    if (status == 200) {
      ClaudeReply reply = parse(resp.body());
      if (reply == null) {
        return Future.failedFuture(new CallFailure(CallOutcome.MALFORMED, true, -1,
            "the reply is not a Messages API message"));
      }
      return Future.succeededFuture(reply);
    }
    long retryAfter = retryAfterMs(resp.getHeader("retry-after"));
    String type = errorType(resp.body());
    CallFailure f;
    if (status == 429) {
      f = new CallFailure(CallOutcome.RATE_LIMITED, !"enforced_spend_limit_reached".equals(type),
          Math.max(retryAfter, -1), "429 " + type);
    } else if (status == 529) {
      f = new CallFailure(CallOutcome.OVERLOADED, true, retryAfter, "529 " + type);
    } else if (status >= 500) {
      f = new CallFailure(CallOutcome.SERVER_ERROR, true, retryAfter, status + " " + type);
    } else {
      f = new CallFailure(CallOutcome.CLIENT_ERROR, false, -1, status + " " + type);
    }
    return Future.failedFuture(f);
  }

  /** The failure of a request that got no response: it timed out or its connection failed; a retry may help. */
  static CallFailure unanswered(Throwable cause) {
    boolean timeout = cause instanceof TimeoutException
        || String.valueOf(cause.getMessage()).toLowerCase().contains("timeout");
    return new CallFailure(CallOutcome.TIMEOUT, true, -1,
        (timeout ? "timed out" : "connection failed") + ": " + cause.getMessage());
  }

  /** Parses and checks a 200 body; null when it is not a well-formed message. */
  static ClaudeReply parse(Buffer body) {
    JsonObject m;
    try {
      Object v = body == null ? null : body.toJsonValue();
      if (!(v instanceof JsonObject)) {
        return null;
      }
      m = (JsonObject) v;
    } catch (RuntimeException e) {
      return null;
    }
    Object content = m.getValue("content");
    Object stop = m.getValue("stop_reason");
    Object usage = m.getValue("usage");
    if (!"message".equals(m.getValue("type")) || !"assistant".equals(m.getValue("role"))
        || !(content instanceof JsonArray) || !(stop instanceof String) || !(usage instanceof JsonObject)) {
      return null;
    }
    for (Object b : (JsonArray) content) {
      if (!(b instanceof JsonObject) || !(((JsonObject) b).getValue("type") instanceof String)) {
        return null;
      }
      JsonObject block = (JsonObject) b;
      if ("tool_use".equals(block.getString("type")) && (!(block.getValue("id") instanceof String)
          || !(block.getValue("name") instanceof String) || !(block.getValue("input") instanceof JsonObject))) {
        return null;
      }
      if ("text".equals(block.getString("type")) && !(block.getValue("text") instanceof String)) {
        return null;
      }
    }
    JsonObject u = (JsonObject) usage;
    int in = u.getValue("input_tokens") instanceof Number ? u.getInteger("input_tokens") : 0;
    int out = u.getValue("output_tokens") instanceof Number ? u.getInteger("output_tokens") : 0;
    return new ClaudeReply(m, (String) stop, (JsonArray) content, in, out);
  }

  /** Retry-After in ms: -1 when absent or unreadable. Seconds may be fractional. */
  static long retryAfterMs(String header) {
    if (header == null || header.isBlank()) {
      return -1;
    }
    try {
      double s = Double.parseDouble(header.trim());
      return s < 0 ? -1 : (long) Math.ceil(s * 1000);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String errorType(Buffer body) {
    try {
      Object v = body == null ? null : body.toJsonValue();
      if (v instanceof JsonObject && ((JsonObject) v).getValue("error") instanceof JsonObject) {
        JsonObject err = ((JsonObject) v).getJsonObject("error");
        // A spend cap is a 429 rate_limit_error whose details name it; retrying cannot help then.
        if (err.getValue("details") instanceof JsonObject
            && "enforced_spend_limit_reached".equals(err.getJsonObject("details").getValue("error_code"))) {
          return "enforced_spend_limit_reached";
        }
        return String.valueOf(err.getValue("type"));
      }
    } catch (RuntimeException ignored) {
      // not JSON: the status says enough
    }
    return "unknown_error";
  }
}
