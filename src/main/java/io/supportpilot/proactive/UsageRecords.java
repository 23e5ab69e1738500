package io.supportpilot.proactive;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.supportpilot.web.HttpFailure;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses a usage batch (a JSON array or NDJSON of call records) with a streaming parser: one pass, no tree. A record
 * with a bad field is rejected on its own; a body that is not JSON at all is a 400 for the whole request.
 */
final class UsageRecords {

  /** The parsed batch: valid calls (with their positions) and the rejected items. */
  record Parsed(List<UsageCall> calls, List<Rejected> rejected, int items) {
  }

  /** A rejected item: its position, an error code and a sentence. */
  record Rejected(int index, String error, String detail) {
  }

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(1_000_000).build())
      .build();

  private final int maxItems;

  UsageRecords(int maxItems) {
    this.maxItems = maxItems;
  }

  /** Parses and validates; {@code oldest} and {@code newest} bound the call times (epoch ms). */
  Parsed parse(byte[] body, long oldest, long newest) {
    List<UsageCall> calls = new ArrayList<>();
    List<Rejected> rejected = new ArrayList<>();
    int index = 0;
    try (JsonParser p = FACTORY.createParser(body)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw HttpFailure.badRequest("the batch is empty");
      }
      boolean array = t == JsonToken.START_ARRAY;
      if (array) {
        t = p.nextToken();
      }
      while (t != null && !(array && t == JsonToken.END_ARRAY)) {
        if (index >= maxItems) {
          throw HttpFailure.tooLarge("the batch holds more than " + maxItems + " items");
        }
        if (t != JsonToken.START_OBJECT) {
          rejected.add(new Rejected(index, "bad_request", "item " + index + " is not a JSON object"));
          p.skipChildren();
        } else {
          record(p, index, oldest, newest, calls, rejected);
        }
        index++;
        t = p.nextToken();
      }
      if (array && p.nextToken() != null) {
        throw HttpFailure.badRequest("there is content after the JSON array");
      }
    } catch (IOException e) {
      throw HttpFailure.badRequest("the body is not valid JSON or NDJSON near item " + index + ": "
          + (e instanceof JsonProcessingException
          ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage()));
    }
    if (index == 0) {
      throw HttpFailure.badRequest("the batch is empty");
    }
    return new Parsed(calls, rejected, index);
  }

  /** The fields of one record while it is read. */
  private static final class Values {
    String callId;
    String userId;
    String connectionId;
    String tool;
    String status;
    Integer statusCode;
    Integer duration;
    Long at;
  }

  private static void record(JsonParser p, int index, long oldest, long newest, List<UsageCall> calls,
      List<Rejected> rejected) throws IOException {
    Values v = new Values();
    String problem = null;
    while (p.nextToken() != JsonToken.END_OBJECT) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        p.skipChildren();
        if (problem == null && isKnown(field)) {
          problem = field + " must be a scalar";
        }
        continue;
      }
      if (t == JsonToken.VALUE_NULL || problem != null) {
        continue;
      }
      try {
        field(p, t, field, v);
      } catch (FieldProblem fp) {
        problem = fp.getMessage();
      }
    }
    if (problem == null) {
      problem = missing(v.callId, v.userId, v.tool, v.status, v.at);
    }
    if (problem == null && (v.at < oldest || v.at > newest)) {
      problem = v.at < oldest ? "at is older than the usage retention: such a call could no longer be deduplicated"
          : "at lies in the future beyond the allowed clock skew";
    }
    if (problem != null) {
      rejected.add(new Rejected(index, "bad_request", "item " + index + ": " + problem));
      return;
    }
    boolean ok = v.statusCode != null ? v.statusCode < 400 : v.status.equals("ok") || v.status.equals("success");
    calls.add(new UsageCall(v.callId, v.userId, v.connectionId, v.tool, v.status, v.statusCode, v.duration, v.at, ok));
  }

  private static void field(JsonParser p, JsonToken t, String field, Values v) throws IOException {
    switch (field) {
      case "call_id": v.callId = text(p, t, field, 200); break;
      case "user_id": v.userId = text(p, t, field, 200); break;
      case "connection_id": v.connectionId = text(p, t, field, 200); break;
      case "tool": v.tool = text(p, t, field, 100); break;
      case "status":
        if (t == JsonToken.VALUE_NUMBER_INT) {
          int code = p.getIntValue();
          if (code < 100 || code > 599) {
            throw new FieldProblem("status as a number must be an HTTP status (100-599)");
          }
          v.statusCode = code;
          v.status = code < 400 ? "ok" : "error";
        } else {
          v.status = text(p, t, field, 32).toLowerCase(Locale.ROOT);
        }
        break;
      case "duration_ms":
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT || p.getDoubleValue() < 0
            || p.getDoubleValue() > Integer.MAX_VALUE) {
          throw new FieldProblem("duration_ms must be a non-negative number");
        }
        v.duration = (int) Math.round(p.getDoubleValue());
        break;
      case "at":
        if (t == JsonToken.VALUE_NUMBER_INT) {
          v.at = p.getLongValue();
        } else if (t == JsonToken.VALUE_STRING) {
          try {
            v.at = OffsetDateTime.parse(p.getText()).toInstant().toEpochMilli();
          } catch (DateTimeParseException | ArithmeticException e) {
            // ArithmeticException: a year so far out that it has no epoch millisecond (a bad record, not a fault).
            throw new FieldProblem("at must be an ISO-8601 timestamp with an offset or epoch milliseconds");
          }
        } else {
          throw new FieldProblem("at must be an ISO-8601 timestamp or epoch milliseconds");
        }
        break;
      default:
        break;
    }
  }

  private static boolean isKnown(String field) {
    switch (field) {
      case "call_id": case "user_id": case "connection_id": case "tool": case "status": case "duration_ms": case "at":
        return true;
      default:
        return false;
    }
  }

  private static String missing(String callId, String userId, String tool, String status, Long at) {
    if (callId == null || callId.isEmpty()) {
      return "call_id is required (a non-empty string of at most 200 characters)";
    }
    if (userId == null || userId.isEmpty()) {
      return "user_id is required (a non-empty string of at most 200 characters)";
    }
    if (tool == null || tool.isEmpty()) {
      return "tool is required (a non-empty string of at most 100 characters)";
    }
    if (status == null || status.isEmpty()) {
      return "status is required (ok, error, ... or an HTTP status)";
    }
    if (at == null) {
      return "at is required (ISO-8601 or epoch milliseconds)";
    }
    return null;
  }

  private static String text(JsonParser p, JsonToken t, String field, int max) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw new FieldProblem(field + " must be a string");
    }
    String raw = p.getText();
    if (raw.indexOf('\u0000') >= 0) {
      throw new FieldProblem(field + " contains a NUL character, which cannot be stored");
    }
    String s = raw.trim();
    if (s.length() > max) {
      throw new FieldProblem(field + " is longer than " + max + " characters");
    }
    return s;
  }

  /** A field of one record is unusable; caught per record. */
  static final class FieldProblem extends IOException {
    FieldProblem(String message) {
      super(message, null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
