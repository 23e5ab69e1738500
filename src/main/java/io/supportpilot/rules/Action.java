package io.supportpilot.rules;

import io.vertx.core.json.JsonObject;

/** One action of a rule: its type and its validated config. */
record Action(Type type, JsonObject config) {

  /** The plan's action types. */
  enum Type {
    CREATE_TICKET, SEND_EMAIL, TRIGGER_AGENT, ESCALATE, WEBHOOK;

    String wire() {
      return name().toLowerCase();
    }

    static Type parse(Object s) {
      for (Type t : values()) {
        if (t.wire().equals(s)) {
          return t;
        }
      }
      return null;
    }
  }

  JsonObject toJson() {
    return new JsonObject().put("type", type.wire()).put("config", config.copy());
  }
}
