package io.supportpilot.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait on the test thread: poll a condition until it holds or a deadline passes, then fail naming
 * what was awaited (and the last value seen). Waits exactly as long as the engine needs, never a fixed time.
 *
 * <p>Where a test drives the engine through the event bus or a {@code Future}, it awaits that event directly
 * (a vertx-junit5 {@code VertxTestContext}, or {@code Future.await}) instead; this helper is for outcomes only
 * visible from outside (a row in Postgres, an HTTP answer, a file, a process). A test that needs the passage of time
 * moves {@link MovableClock} instead of sleeping.
 *
 * <p>An exception thrown by the condition is not swallowed: it fails the wait at once (a condition that may throw
 * while the system is still coming up catches that itself).
 */
public final class Await {

  /** The deadline when a test names none. */
  public static final Duration DEFAULT = Duration.ofSeconds(30);

  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** A condition that may throw (a JDBC query, an HTTP call, a file read). */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** A value read each time round (a count, a response, a JSON document). */
  @FunctionalInterface
  public interface Probe<T> {
    T read() throws Exception;
  }

  private Await() {
  }

  /** Waits up to {@link #DEFAULT} until the condition holds. */
  public static void until(String what, Condition condition) {
    until(what, DEFAULT, condition);
  }

  /** Waits until the condition holds; fails with "timed out after ... waiting for {what}". */
  public static void until(String what, Duration within, Condition condition) {
    until(what, within, condition, () -> null);
  }

  /** As {@link #until(String, Duration, Condition)}, adding {@code detail} (evaluated on failure) to the message. */
  public static void until(String what, Duration within, Condition condition, Supplier<String> detail) {
    long deadline = System.nanoTime() + within.toNanos();
    long pause = FIRST_PAUSE_NANOS;
    while (!call(what, condition::holds)) {
      if (System.nanoTime() - deadline > 0) {
        String d = detail.get();
        throw new AssertionError("timed out after " + seconds(within) + " waiting for: " + what
            + (d == null ? "" : "; " + d));
      }
      sleep(pause);
      pause = Math.min(MAX_PAUSE_NANOS, pause * 2);
    }
  }

  /** Reads the probe until {@code done} accepts its value and returns that value; the failure shows the last one. */
  public static <T> T value(String what, Duration within, Probe<T> probe, Predicate<? super T> done) {
    return value(what, within, FIRST_PAUSE_NANOS, MAX_PAUSE_NANOS, probe, done);
  }

  /**
   * As {@link #value(String, Duration, Probe, Predicate)}, reading every {@code every} instead of backing off: for
   * measurements that report how soon the client saw the outcome (the polling period bounds their error).
   */
  public static <T> T value(String what, Duration within, Duration every, Probe<T> probe, Predicate<? super T> done) {
    return value(what, within, every.toNanos(), every.toNanos(), probe, done);
  }

  private static <T> T value(String what, Duration within, long firstPause, long maxPause, Probe<T> probe,
      Predicate<? super T> done) {
    long deadline = System.nanoTime() + within.toNanos();
    long pause = firstPause;
    while (true) {
      T v = call(what, probe::read);
      if (done.test(v)) {
        return v;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + seconds(within) + " waiting for: " + what + "; last seen: " + v);
      }
      sleep(pause);
      pause = Math.min(maxPause, pause * 2);
    }
  }

  /**
   * Lets real time pass with nothing to await: only for a negative assertion (something must NOT happen) where the
   * engine offers no later event that proves it has processed past the point. Name the reason at the call site.
   */
  public static void quietPeriod(Duration period, String why) {
    if (why == null || why.isBlank()) {
      throw new IllegalArgumentException("a quiet period needs its reason");
    }
    sleep(period.toNanos());
  }

  private static <T> T call(String what, Probe<T> p) {
    try {
      return p.read();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for: " + what, e);
    } catch (Exception e) {
      throw new IllegalStateException("failed while waiting for: " + what, e);
    }
  }

  /** The only sleep of the test suite: the pause between two polls, and a named quiet period. */
  private static void sleep(long nanos) {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
