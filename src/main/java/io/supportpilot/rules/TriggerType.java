package io.supportpilot.rules;

/** What makes a rule fire: a stored error, an auto-ticket change, a pattern match, or the scheduler. */
enum TriggerType {
  ERROR, TICKET, PATTERN, SCHEDULE;

  String wire() {
    return name().toLowerCase();
  }

  static TriggerType parse(Object s) {
    if (s instanceof String) {
      for (TriggerType t : values()) {
        if (t.wire().equals(s)) {
          return t;
        }
      }
    }
    return null;
  }
}
