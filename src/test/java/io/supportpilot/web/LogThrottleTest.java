package io.supportpilot.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.testing.MovableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogThrottleTest {

  @Test
  void oneLinePerKeyPerIntervalAndTheHeldBackLinesAreCounted() {
    // Verifies that within an interval only the first line of a status is let through, other statuses are
    // independent, and the next line after the interval reports how many were held back.
    MovableClock clock = MovableClock.at(Instant.parse("2026-01-05T09:00:00Z"));
    LogThrottle throttle = new LogThrottle(Duration.ofMillis(200), clock::nanoTime);
    assertEquals(0, throttle.permit(503));
    for (int i = 0; i < 999; i++) {
      assertEquals(-1, throttle.permit(503));
    }
    assertEquals(0, throttle.permit(429));
    clock.advance(Duration.ofMillis(199));
    assertEquals(-1, throttle.permit(503), "still within the interval");
    clock.advance(Duration.ofMillis(1));
    assertEquals(1000, throttle.permit(503));
    assertEquals(-1, throttle.permit(503));
  }
}
