package io.supportpilot.rules;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * A rule that matched a trigger object: the rule, the object's key (unique per rule in {@code rule_runs}) and the
 * object as recorded. {@code runId} is set once the firing is claimed in Postgres. An error rule's firing stands
 * for the matching errors of one (user, fingerprint) in one window: {@code window} gathers the later ones.
 */
final class Firing {

  /**
   * What an error window is kept under: the rule and the error's (user, fingerprint). A record rather than a joined
   * String, since it is looked up for every matching stored error: no String is built, and each field's hash is
   * computed once and cached on its String.
   */
  record Slot(String ruleId, String userId, String fingerprint) {

    // Written out, not generated, as in EventKey: these keys are looked up for every stored error.
    @Override
    public boolean equals(Object o) {
      return o == this || o instanceof Slot s && Objects.equals(ruleId, s.ruleId) && Objects.equals(userId, s.userId)
          && Objects.equals(fingerprint, s.fingerprint);
    }

    @Override
    public int hashCode() {
      return (31 * Objects.hashCode(ruleId) + Objects.hashCode(userId)) * 31 + Objects.hashCode(fingerprint);
    }
  }

  /** The errors one error-rule firing stands for after its first: counted here, added to its run in batches. */
  static final class Window {
    final Slot slot;
    final String triggerKey;
    final long bucket;
    /** Errors matched since the last time they were added to the run. */
    long unflushed;
    /** True once the claim answered: the run exists (here or on another instance), so counts can be added. */
    boolean settled;

    Window(Slot slot, String triggerKey, long bucket) {
      this.slot = slot;
      this.triggerKey = triggerKey;
      this.bucket = bucket;
    }
  }

  final CompiledRule rule;
  final String triggerKey;
  final JsonObject object;
  final Instant firedAt;
  final Window window;
  long runId;

  Firing(CompiledRule rule, String triggerKey, JsonObject object, Instant firedAt) {
    this(rule, triggerKey, object, firedAt, null);
  }

  Firing(CompiledRule rule, String triggerKey, JsonObject object, Instant firedAt, Window window) {
    this.rule = rule;
    this.triggerKey = triggerKey;
    this.object = object;
    this.firedAt = firedAt;
    this.window = window;
  }
}
