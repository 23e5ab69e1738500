package io.supportpilot.rules;

/** A compiled condition: immutable, thread-safe, no allocation per test. */
@FunctionalInterface
interface Condition {

  /** Whether the subject matches, with {@code nowMillis} for relative times. */
  boolean test(Subject s, long nowMillis);

  /** Matches everything (an empty condition). */
  Condition TRUE = (s, now) -> true;
}
