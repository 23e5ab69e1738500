package io.supportpilot.spike;

/**
 * The plan's spike rule (phase 3.2): the last-hour count is above {@code minCount} and above {@code ratio}
 * times the 24-hour hourly average, that is {@code hour > minCount && hour > ratio * day / 24}. Both are strict,
 * as in the plan's SQL: exactly 5 errors, or a ratio of exactly 3, is not a spike.
 *
 * <p>The 24-hour count includes the last hour, and the average always divides by 24: history that does not
 * exist (a brand-new error type, or an engine younger than a day with an empty log) counts as zero errors.
 * So a new error type that appears more than {@code minCount} times within an hour is a spike (its ratio is
 * 24), which is the case an admin most wants to hear about; a type that has been steady at any rate for a day
 * has a ratio of about 1 and is not. Evaluated in O(1) with one multiplication, no division.
 */
record SpikeRule(int minCount, double ratio) {

  /** True when a window with these counts is a spike. */
  boolean holds(int lastHour, int lastDay) {
    return lastHour > minCount && lastHour * 24.0 > ratio * lastDay;
  }

  /** True when the window is a spike now. */
  boolean holds(SpikeWindow w) {
    return holds(w.lastHour(), w.lastDay());
  }

  /** The ratio of the last hour to the 24-hour hourly average (24 at most); 0 for an empty window. */
  static double ratioOf(int lastHour, int lastDay) {
    return lastDay == 0 ? 0.0 : lastHour * 24.0 / lastDay;
  }
}
