package io.supportpilot.rules;

/** The type of a field a condition can test; it decides which operators and values are valid. */
enum FieldType {
  STRING, NUMBER, TIME, BOOLEAN;

  String wire() {
    return name().toLowerCase();
  }
}
