package io.supportpilot.rules;

/**
 * A trigger object as conditions see it: typed values by slot (see {@link Schema}). Missing values are null
 * strings, {@code NaN} numbers and {@link Long#MIN_VALUE} times.
 */
interface Subject {

  long NO_TIME = Long.MIN_VALUE;

  /** {@link #recalled}: not evaluated yet for this subject, true, false. */
  int UNKNOWN = 0;
  int TRUE = 1;
  int FALSE = 2;

  String string(int slot);

  double number(int slot);

  /** Epoch milliseconds. */
  long time(int slot);

  Boolean bool(int slot);

  /** Whether the slot has a value. */
  default boolean exists(int slot, FieldType type) {
    switch (type) {
      case STRING:
        return string(slot) != null;
      case NUMBER:
        return !Double.isNaN(number(slot));
      case TIME:
        return time(slot) != NO_TIME;
      default:
        return bool(slot) != null;
    }
  }

  /** What a shared leaf answered for this subject before ({@link #UNKNOWN} when it has not). */
  default int recalled(SharedRegex leaf) {
    return UNKNOWN;
  }

  /** Remembers a shared leaf's answer for the rest of this subject's evaluation. */
  default void remember(SharedRegex leaf, boolean result) {
  }
}
