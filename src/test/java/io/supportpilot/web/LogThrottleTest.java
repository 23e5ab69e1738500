package io.supportpilot.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LogThrottleTest {

  @Test
  void oneLinePerKeyPerIntervalAndTheHeldBackLinesAreCounted() throws Exception {
    // Verifies that within an interval only the first line of a status is let through, other statuses are
    // independent, and the next line after the interval reports how many were held back.
    LogThrottle throttle = new LogThrottle(Duration.ofMillis(200));
    assertEquals(0, throttle.permit(503));
    for (int i = 0; i < 999; i++) {
      assertEquals(-1, throttle.permit(503));
    }
    assertEquals(0, throttle.permit(429));
    Thread.sleep(250);
    assertEquals(999, throttle.permit(503));
    assertEquals(-1, throttle.permit(503));
  }
}
