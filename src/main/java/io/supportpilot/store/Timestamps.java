package io.supportpilot.store;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Instants as the {@code timestamptz} parameters the Postgres client takes. */
public final class Timestamps {

  private Timestamps() {
  }

  /**
   * The instant at UTC, the same value as {@code OffsetDateTime.ofInstant(at, ZoneOffset.UTC)} without asking the
   * offset for its rules: on Java 17 {@code ZoneOffset.getRules()} builds a new {@code ZoneRules} each call, and the
   * error writer converts every stored event (null stays null).
   */
  public static OffsetDateTime utc(Instant at) {
    if (at == null) {
      return null;
    }
    return OffsetDateTime.of(LocalDateTime.ofEpochSecond(at.getEpochSecond(), at.getNano(), ZoneOffset.UTC),
        ZoneOffset.UTC);
  }
}
