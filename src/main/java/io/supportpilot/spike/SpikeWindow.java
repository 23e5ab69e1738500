package io.supportpilot.spike;

/**
 * A sliding 24-hour error count for one key (an error type or a fingerprint): 60 one-minute buckets for the
 * last hour and 24 one-hour buckets for the last day, with running totals, so an update and a read are O(1).
 *
 * <p>The last-hour count covers the current minute and the 59 before it (exact to the minute); the 24-hour
 * count covers the current clock hour and the 23 before it (between 23 and 24 hours, exact to the hour). Both
 * include the current, partial bucket. Buckets move forward with {@link #advance}, driven by the clock, so a
 * key that stops receiving events decays to zero.
 *
 * <p>Memory per window, measured in {@code SpikeCountersMemoryTest} and estimated for a 64-bit JVM with
 * compressed oops: object 48 bytes (header 12, two longs, two ints, two references) plus one {@code int[84]}
 * of 352 bytes = 400 bytes; with its {@code HashMap} node and key string, about 500 bytes per tracked key.
 * Not thread-safe: owned by the spike detector verticle.
 */
final class SpikeWindow {

  static final int MINUTES = 60;
  static final int HOURS = 24;
  /** Estimated bytes of one window object and its bucket array (see the class comment). */
  static final int BYTES_PER_WINDOW = 48 + 16 + 4 * (MINUTES + HOURS);

  /** The error type this window belongs to (for a fingerprint window) or counts (for a type window). */
  final String errorType;
  private final int[] buckets = new int[MINUTES + HOURS];
  private long lastMinute;
  private long firstSeenMinute;
  private int hourTotal;
  private int dayTotal;

  SpikeWindow(String errorType, long nowMinute) {
    this.errorType = errorType;
    this.lastMinute = nowMinute;
    this.firstSeenMinute = Long.MAX_VALUE;
  }

  /** Moves the window forward to {@code nowMinute} (epoch minutes), expiring buckets that fell out. */
  void advance(long nowMinute) {
    long last = lastMinute;
    if (nowMinute <= last) {
      return;
    }
    long minuteSteps = Math.min(nowMinute - last, MINUTES);
    for (long m = last + 1; m <= last + minuteSteps; m++) {
      int i = (int) (m % MINUTES);
      hourTotal -= buckets[i];
      buckets[i] = 0;
    }
    long lastHour = last / 60;
    long hourSteps = Math.min(nowMinute / 60 - lastHour, HOURS);
    for (long h = lastHour + 1; h <= lastHour + hourSteps; h++) {
      int i = MINUTES + (int) (h % HOURS);
      dayTotal -= buckets[i];
      buckets[i] = 0;
    }
    lastMinute = nowMinute;
  }

  /** Adds {@code n} errors that happened in epoch minute {@code minute} (now, or earlier when rebuilding). */
  void add(long minute, int n) {
    if (minute > lastMinute) {
      advance(minute);
    }
    if (minute > lastMinute - MINUTES) {
      buckets[(int) (minute % MINUTES)] += n;
      hourTotal += n;
    }
    long hour = minute / 60;
    if (hour > lastMinute / 60 - HOURS) {
      buckets[MINUTES + (int) (hour % HOURS)] += n;
      dayTotal += n;
      if (minute < firstSeenMinute) {
        firstSeenMinute = minute;
      }
    }
  }

  /** Errors in the last hour (the current minute and the 59 before it). */
  int lastHour() {
    return hourTotal;
  }

  /** Errors in the last 24 hours (the current clock hour and the 23 before it). */
  int lastDay() {
    return dayTotal;
  }

  /** The plan's "normal" rate: the 24-hour count divided by 24. */
  double hourlyAverage() {
    return dayTotal / 24.0;
  }

  /** The last hour per minute, oldest first, ending with the current minute (the dashboard's sparkline). */
  int[] perMinute() {
    int[] out = new int[MINUTES];
    for (int k = 0; k < MINUTES; k++) {
      long m = lastMinute - (MINUTES - 1) + k;
      out[k] = m < 0 ? 0 : buckets[(int) (m % MINUTES)];
    }
    return out;
  }

  /** Epoch minute of the oldest error still in the window, or {@link Long#MAX_VALUE} when never filled. */
  long firstSeenMinute() {
    return firstSeenMinute;
  }

  /** True when nothing is left in the 24-hour window: the key can be evicted. */
  boolean quiet() {
    return dayTotal == 0;
  }
}
