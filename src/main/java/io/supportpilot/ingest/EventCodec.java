package io.supportpilot.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.supportpilot.bus.ErrorEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The wire form of a normalised {@link ErrorEvent} on the Kafka topic: a version byte, then one JSON object.
 * Records written before the version byte existed start with {@code '{'} and are read as version 1; any other
 * first byte is an unknown version and fails with {@link UnknownVersion} (the processor dead-letters it).
 */
public final class EventCodec {

  /** The version this build writes. */
  public static final byte VERSION = 1;
  private static final byte LEGACY_JSON = '{';

  /** A record written by an encoding this build does not know. */
  public static final class UnknownVersion extends IllegalArgumentException {
    UnknownVersion(int version) {
      super("unknown event encoding version " + version);
    }
  }

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

  private EventCodec() {
  }

  /** Encodes an event: the version byte, then UTF-8 JSON. */
  public static byte[] encode(ErrorEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    out.write(VERSION);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("source", e.source());
      g.writeStringField("event_id", e.eventId());
      g.writeStringField("user_id", e.userId());
      g.writeStringField("connection_id", e.connectionId());
      g.writeStringField("tool", e.tool());
      g.writeStringField("error_type", e.errorType());
      g.writeStringField("error_code", e.errorCode());
      if (e.statusCode() != null) {
        g.writeNumberField("status_code", e.statusCode());
      }
      g.writeStringField("level", e.level());
      g.writeStringField("message", e.message());
      g.writeStringField("stack", e.stack());
      g.writeStringField("context", e.contextJson());
      g.writeStringField("fingerprint", e.fingerprint());
      g.writeStringField("occurred_at", e.occurredAt().toString());
      g.writeStringField("received_at", e.receivedAt().toString());
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  /** Decodes what {@link #encode} wrote (or a legacy unversioned record); fails on anything else. */
  public static ErrorEvent decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new IllegalArgumentException("empty record");
    }
    int offset;
    if (bytes[0] == VERSION) {
      offset = 1;
    } else if (bytes[0] == LEGACY_JSON) {
      offset = 0;
    } else {
      throw new UnknownVersion(bytes[0] & 0xff);
    }
    try {
      JsonNode n = MAPPER.readTree(bytes, offset, bytes.length - offset);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("the record is not a JSON object");
      }
      return new ErrorEvent(text(n, "source"), text(n, "event_id"), text(n, "user_id"), text(n, "connection_id"),
          text(n, "tool"), text(n, "error_type"), text(n, "error_code"),
          n.hasNonNull("status_code") ? n.get("status_code").intValue() : null, text(n, "level"),
          text(n, "message"), text(n, "stack"), text(n, "context"), text(n, "fingerprint"),
          Instant.parse(text(n, "occurred_at")), Instant.parse(text(n, "received_at")));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
