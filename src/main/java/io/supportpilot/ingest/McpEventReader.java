package io.supportpilot.ingest;

import static io.supportpilot.ingest.PayloadFields.MAX_ID_CHARS;
import static io.supportpilot.ingest.PayloadFields.clean;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.StorableText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;

/**
 * Reads one MCP error straight from its raw bytes into an {@link ErrorEvent} with its fingerprint, with a
 * streaming parser: the hot path of the single endpoint and of each batch item. Thread-safe.
 */
public final class McpEventReader {

  /** Source name of MCP errors in {@code support_error_log.source}. */
  public static final String MCP = "mcp";

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private final JsonBodyReader json;

  /** A reader that parses with {@code json}'s limits. */
  public McpEventReader(JsonBodyReader json) {
    this.json = json;
  }

  /**
   * Parses and normalises one MCP error straight from its raw bytes with a streaming parser (the hot path of
   * the single endpoint and NDJSON lines): no tree is built, and the context object is kept as the exact bytes
   * the sender sent (already validated by the parser) instead of being re-serialised. An error without
   * {@code event_id} gets one derived from its bytes alone.
   */
  public ErrorEvent read(byte[] raw, int offset, int length, Instant receivedAt, String field) {
    return read(raw, offset, length, receivedAt, field, "");
  }

  /**
   * As {@link #read(byte[], int, int, Instant, String)}; an error without {@code event_id} gets
   * {@code gen-} plus a SHA-256 of its bytes, and, when it has no {@code occurred_at} either, of {@code idSalt}
   * (the signed timestamp and the item's position): a replay or retry of the same signed request then gets the
   * same id and is stored once, while the same error sent again later is a new event.
   */
  public ErrorEvent read(byte[] raw, int offset, int length, Instant receivedAt, String field, String idSalt) {
    checkStorable(raw, offset, length, field);
    Fields f = new Fields(raw, offset, length, field);
    readFields(f);
    return event(f, receivedAt, idSalt);
  }

  /** A 400 for an empty body or one holding what Postgres cannot store, before anything is parsed. */
  private static void checkStorable(byte[] raw, int offset, int length, String field) {
    if (length == 0) {
      throw HttpFailure.badRequest(where(field) + "the body is empty");
    }
    String problem = StorableText.jsonProblem(raw, offset, length, true);
    if (problem != null) {
      throw HttpFailure.badRequest(field.isEmpty() ? problem : where(field) + problem.replace("the body", "it"));
    }
  }

  /** Reads the top-level object's fields into {@code f} in one pass; a repeated field's last value wins. */
  private void readFields(Fields f) {
    try (JsonParser p = json.parser(f.raw, f.offset, f.length)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw HttpFailure.badRequest(where(f.field) + "the error must be a JSON object");
      }
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        readField(p, p.nextToken(), name, f);
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw HttpFailure.badRequest("the body is not valid JSON: unexpected content after the object");
      }
    } catch (IOException e) {
      throw JsonReadFailures.unreadable(e);
    }
  }

  /** Reads the value {@code t} of the field {@code name} into {@code f}; unknown fields are skipped. */
  private void readField(JsonParser p, JsonToken t, String name, Fields f) throws IOException {
    String field = f.field;
    switch (name) {
      case "event_id" -> f.eventId = streamText(p, t, name, field, MAX_ID_CHARS);
      case "user_id" -> f.userId = streamText(p, t, name, field, MAX_ID_CHARS);
      case "connection_id" -> f.connectionId = streamText(p, t, name, field, MAX_ID_CHARS);
      case "tool" -> f.tool = streamText(p, t, name, field, MAX_ID_CHARS);
      case "error_type" -> f.errorType = streamText(p, t, name, field, MAX_ID_CHARS);
      case "level" -> f.level = streamText(p, t, name, field, MAX_ID_CHARS);
      case "message" -> f.message = streamText(p, t, name, field, Integer.MAX_VALUE);
      case "stack" -> f.stack = streamText(p, t, name, field, Integer.MAX_VALUE);
      case "error_code" -> f.errorCode = t == JsonToken.VALUE_NUMBER_INT ? p.getText()
          : streamText(p, t, name, field, MAX_ID_CHARS);
      case "status_code" -> f.status = statusCode(p, t, name, field);
      case "occurred_at" -> f.occurred = occurredAt(p, t, name, field);
      case "context" -> f.contextJson = context(p, t, f);
      default -> p.skipChildren();
    }
  }

  private static String streamText(JsonParser p, JsonToken t, String name, String field, int max) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw HttpFailure.badRequest("the field '" + field + name + "' must be a string");
    }
    if (p.getTextLength() > max) {
      throw HttpFailure.badRequest("the field '" + field + name + "' is longer than " + max + " characters");
    }
    return p.getText();
  }

  private static Integer statusCode(JsonParser p, JsonToken t, String name, String field) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
        || p.getIntValue() < 100 || p.getIntValue() > 599) {
      throw HttpFailure.badRequest("the field '" + field + name + "' must be an HTTP status (an integer 100-599)");
    }
    return p.getIntValue();
  }

  private static Instant occurredAt(JsonParser p, JsonToken t, String name, String field) throws IOException {
    String v = streamText(p, t, name, field, MAX_ID_CHARS);
    if (v == null && t != JsonToken.VALUE_NULL) {
      throw HttpFailure.badRequest("the field '" + field + name + "' must be an ISO-8601 timestamp string");
    }
    return v == null ? null : EventTimes.parseInstant(v, field + name);
  }

  /** The context object as JSON text (null for a JSON null), taken from the sender's bytes. */
  private String context(JsonParser p, JsonToken t, Fields f) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.START_OBJECT) {
      throw HttpFailure.badRequest("the field '" + f.field + "context' must be an object");
    }
    long start = p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    long end = p.currentLocation().getByteOffset();
    return contextSlice(f.raw, f.offset, (int) start, (int) end);
  }

  /** The context object's exact bytes; re-serialised without NULs only when it holds a \\u0000 escape. */
  private String contextSlice(byte[] raw, int offset, int start, int end) throws IOException {
    int from = offset + start;
    int to = offset + end;
    for (int i = from; i + 5 < to; i++) {
      if (raw[i] == '\\' && raw[i + 1] == 'u' && raw[i + 2] == '0' && raw[i + 3] == '0' && raw[i + 4] == '0'
          && raw[i + 5] == '0') {
        return json.storableJson(json.tree(raw, from, to - from));
      }
    }
    return new String(raw, from, to - from, StandardCharsets.UTF_8);
  }

  /** The event of the fields read: required fields checked, defaults filled in, text made storable. */
  private static ErrorEvent event(Fields f, Instant receivedAt, String idSalt) {
    if (f.errorType == null || f.errorType.isBlank()) {
      throw HttpFailure.badRequest("the field '" + f.field + "error_type' is required (a non-empty string)");
    }
    if (f.message == null) {
      throw HttpFailure.badRequest("the field '" + f.field + "message' is required (a string)");
    }
    String level = f.level != null ? f.level : f.status != null && f.status < 500 ? "warning" : "error";
    String eventId = f.eventId != null ? f.eventId
        : "gen-" + sha256Hex(f.raw, f.offset, f.length, f.occurred == null ? idSalt : "").substring(0, 32);
    Instant occurred = f.occurred != null ? f.occurred : receivedAt;
    String fp = Fingerprints.of(f.errorType, f.errorCode, f.message, Fingerprints.framesOfText(f.stack));
    return new ErrorEvent(MCP, clean(eventId), clean(f.userId), clean(f.connectionId), clean(f.tool),
        clean(f.errorType), clean(f.errorCode), f.status, clean(level), clean(f.message), clean(f.stack),
        f.contextJson, fp, occurred, receivedAt);
  }

  /** The prefix naming a batch item in a 400 ({@code item [3]: }); empty for a single error. */
  private static String where(String field) {
    String at = field;
    if (at.endsWith(".")) {
      at = at.substring(0, at.length() - 1);
    }
    return at.isEmpty() ? "" : "item " + at + ": ";
  }

  private static String sha256Hex(byte[] raw, int offset, int length, String salt) {
    MessageDigest md = SHA256.get();
    if (!salt.isEmpty()) {
      // The salt is ASCII (digits, '#'), ended by a NUL no JSON body starts with: salt and bytes cannot run together.
      md.update(salt.getBytes(StandardCharsets.US_ASCII));
      md.update((byte) 0);
    }
    md.update(raw, offset, length);
    return Signatures.hex(md.digest());
  }

  /** One MCP error being read: where its bytes are, the field prefix of its 400s, and what the sender set. */
  private static final class Fields {
    final byte[] raw;
    final int offset;
    final int length;
    /** The prefix of its field names in a 400: empty for a single error, {@code [i].} for a batch item. */
    final String field;
    String eventId;
    String userId;
    String connectionId;
    String tool;
    String errorType;
    String errorCode;
    Integer status;
    String level;
    String message;
    String stack;
    String contextJson;
    Instant occurred;

    Fields(byte[] raw, int offset, int length, String field) {
      this.raw = raw;
      this.offset = offset;
      this.length = length;
      this.field = field;
    }
  }
}
