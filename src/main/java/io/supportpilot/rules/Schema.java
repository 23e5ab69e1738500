package io.supportpilot.rules;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of one kind of trigger object (an error, a conversation, a ticket event), each with a type and a
 * slot index that subjects answer by; conditions are validated and compiled against it.
 */
final class Schema {

  /** One field: its name, type and slot. */
  record Field(String name, FieldType type, int slot) {
  }

  /** Fields of a stored error ({@code error} rules). */
  static final Schema ERROR = new Schema("error", new Object[] {
      "source", FieldType.STRING, "event_id", FieldType.STRING, "user_id", FieldType.STRING,
      "connection_id", FieldType.STRING, "tool", FieldType.STRING, "error_type", FieldType.STRING,
      "error_code", FieldType.STRING, "status_code", FieldType.NUMBER, "level", FieldType.STRING,
      "message", FieldType.STRING, "stack", FieldType.STRING, "fingerprint", FieldType.STRING,
      "occurred_at", FieldType.TIME, "received_at", FieldType.TIME});

  /** Fields of a conversation ({@code schedule} rules). */
  static final Schema CONVERSATION = new Schema("conversation", new Object[] {
      "id", FieldType.STRING, "user_id", FieldType.STRING, "subject", FieldType.STRING,
      "status", FieldType.STRING, "category", FieldType.STRING, "priority", FieldType.STRING,
      "handled_by", FieldType.STRING, "language", FieldType.STRING, "auto_created", FieldType.BOOLEAN,
      "fingerprint", FieldType.STRING, "error_type", FieldType.STRING, "occurrence_count", FieldType.NUMBER,
      "assigned_to", FieldType.STRING, "created_at", FieldType.TIME, "updated_at", FieldType.TIME,
      "waiting_since", FieldType.TIME, "first_response_at", FieldType.TIME});

  /** Fields of an auto-ticket change ({@code ticket} rules). */
  static final Schema TICKET = new Schema("ticket", new Object[] {
      "kind", FieldType.STRING, "conversation_id", FieldType.STRING, "user_id", FieldType.STRING,
      "fingerprint", FieldType.STRING, "error_type", FieldType.STRING, "occurrence_count", FieldType.NUMBER,
      "error_code", FieldType.STRING, "status_code", FieldType.NUMBER});

  /** Fields of a pattern match ({@code pattern} rules; validated and stored, see docs/rules.md). */
  static final Schema PATTERN = new Schema("pattern", new Object[] {
      "pattern_id", FieldType.STRING, "pattern_name", FieldType.STRING, "conversation_id", FieldType.STRING,
      "user_id", FieldType.STRING, "confidence", FieldType.NUMBER, "language", FieldType.STRING});

  private final String object;
  private final Map<String, Field> fields = new LinkedHashMap<>();

  private Schema(String object, Object[] pairs) {
    this.object = object;
    for (int i = 0; i < pairs.length; i += 2) {
      String name = (String) pairs[i];
      fields.put(name, new Field(name, (FieldType) pairs[i + 1], i / 2));
    }
  }

  /** The schema of a trigger type. */
  static Schema of(TriggerType t) {
    switch (t) {
      case ERROR:
        return ERROR;
      case SCHEDULE:
        return CONVERSATION;
      case TICKET:
        return TICKET;
      default:
        return PATTERN;
    }
  }

  String object() {
    return object;
  }

  Field field(String name) {
    return fields.get(name);
  }

  int size() {
    return fields.size();
  }

  Iterable<Field> fields() {
    return fields.values();
  }

  String names() {
    return String.join(", ", fields.keySet());
  }
}
