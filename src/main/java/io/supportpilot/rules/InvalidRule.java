package io.supportpilot.rules;

import io.supportpilot.web.HttpFailure;

/** A rule that cannot be saved: 400 {@code invalid_rule}, the detail starting with the path of the fault. */
final class InvalidRule extends HttpFailure {

  private final String path;

  InvalidRule(String path, String problem) {
    super(400, "invalid_rule", path + ": " + problem);
    this.path = path;
  }

  /** Where in the rule the fault is, e.g. {@code trigger_condition.status_code.$gte}. */
  String path() {
    return path;
  }
}
