package io.supportpilot.web;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Lets one log line per key through per interval and counts the ones it held back; safe across event loops. */
final class LogThrottle {

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<Integer, Window> windows = new ConcurrentHashMap<>();

  private static final class Window {
    final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
    final AtomicLong held = new AtomicLong();
  }

  LogThrottle(Duration interval) {
    this(interval, System::nanoTime);
  }

  /** With the monotonic time source given (tests pass a clock they move). */
  LogThrottle(Duration interval, LongSupplier nanoTime) {
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /** -1 when this line is to be held back, else how many lines of the key were held back since the last one. */
  long permit(int key) {
    Window w = windows.computeIfAbsent(key, k -> new Window());
    long now = nanoTime.getAsLong();
    long next = w.nextAt.get();
    if ((next == Long.MIN_VALUE || now - next >= 0) && w.nextAt.compareAndSet(next, now + intervalNanos)) {
      return w.held.getAndSet(0);
    }
    w.held.incrementAndGet();
    return -1;
  }

  long intervalSeconds() {
    return intervalNanos / 1_000_000_000L;
  }
}
