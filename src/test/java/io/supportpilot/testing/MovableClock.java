package io.supportpilot.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one clock tests move by hand (hours and days pass in milliseconds): either standing still at a given instant
 * until moved ({@link #at}), or following the real time plus an offset ({@link #followingNow}). Engine code takes it
 * as its {@link Clock}; code that measures intervals on {@code System.nanoTime} takes {@link #nanoTime} instead.
 */
public final class MovableClock extends Clock {

  private final Instant start;
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  private MovableClock(Instant start) {
    this.start = start;
  }

  /** A clock that stands at {@code start} until a test moves it. */
  public static MovableClock at(Instant start) {
    return new MovableClock(start);
  }

  /** The real clock plus an offset a test moves. */
  public static MovableClock followingNow() {
    return new MovableClock(null);
  }

  /** Moves the clock forward by {@code d}. */
  public void advance(Duration d) {
    offset.updateAndGet(o -> o.plus(d));
  }

  /** Sets how far the clock is moved from where it started (or from real time). */
  public void setOffset(Duration d) {
    offset.set(d);
  }

  /**
   * A stand-in for {@link System#nanoTime()} that moves with this clock (for code that measures intervals on a
   * monotonic {@code LongSupplier}); monotonic as long as the test only moves the clock forward.
   */
  public long nanoTime() {
    Instant now = instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return (start == null ? Instant.now() : start).plus(offset.get());
  }
}
