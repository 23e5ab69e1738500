package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventTimesTest {

  @Test
  void theFastTimestampParserAgreesWithJavaTime() {
    // Verifies the hand-written ISO-8601 parser against OffsetDateTime for the shapes it takes, null otherwise.
    for (String s : new String[] {"2026-11-25T10:15:30Z", "2026-11-25T10:15:30.123Z", "2026-11-25T10:15:30.123456789Z",
        "2026-02-28T23:59:59+02:00", "2024-02-29T00:00:00.5-05:30", "1999-12-31t23:59:59z"}) {
      assertEquals(OffsetDateTime.parse(s.toUpperCase()).toInstant(), EventTimes.fastInstant(s), s);
    }
    for (String s : new String[] {"2026-02-30T10:15:30Z", "2026-11-25 10:15:30Z", "2026-11-25T10:15:30",
        "2026-11-25T25:15:30Z", "2026-11-25T10:15:30.Z", "yesterday at noon!!"}) {
      assertNull(EventTimes.fastInstant(s), s);
    }
  }
}
