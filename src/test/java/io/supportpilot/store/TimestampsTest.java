package io.supportpilot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TimestampsTest {

  @Test
  void sameValueAsOfInstantAtUtc() {
    Instant[] instants = {Instant.EPOCH, Instant.parse("2026-12-03T12:00:00.123456789Z"),
        Instant.parse("1969-12-31T23:59:59.999999999Z"), Instant.parse("0001-01-01T00:00:00Z"),
        Instant.parse("9999-12-31T23:59:59.999999Z"), Instant.ofEpochSecond(-1, 1), Instant.ofEpochMilli(1764763200001L)};
    for (Instant at : instants) {
      OffsetDateTime expected = OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
      OffsetDateTime got = Timestamps.utc(at);
      assertEquals(expected, got, at.toString());
      assertEquals(at, got.toInstant());
    }
    assertNull(Timestamps.utc(null));
  }
}
