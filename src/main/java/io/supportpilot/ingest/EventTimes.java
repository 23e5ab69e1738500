package io.supportpilot.ingest;

import io.supportpilot.web.HttpFailure;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads the time an error occurred from ISO-8601 text, within what Postgres {@code timestamptz} stores as sent
 * (years 1 to 9999); the common shapes are read without {@code DateTimeFormatter}.
 */
final class EventTimes {

  /** Earliest occurrence time accepted (what Postgres timestamptz and ISO-8601's four-digit years agree on). */
  static final Instant MIN_TIME = Instant.parse("0001-01-01T00:00:00Z");
  /** Latest occurrence time accepted. */
  static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999999Z");

  private EventTimes() {
  }

  /** The instant of an ISO-8601 timestamp in range; else a 400 naming the field {@code name}. */
  static Instant parseInstant(String s, String name) {
    Instant fast = fastInstant(s);
    if (fast != null) {
      return inRange(fast, name);
    }
    try {
      return inRange(OffsetDateTime.parse(s).toInstant(), name);
    } catch (DateTimeParseException e) {
      try {
        return inRange(Instant.parse(s), name);
      } catch (DateTimeParseException e2) {
        throw HttpFailure.badRequest("the field '" + name + "' must be an ISO-8601 timestamp such as "
            + "2026-01-31T12:00:00Z");
      }
    }
  }

  /** A time Postgres stores as sent: years 1 to 9999 (beyond, timestamptz would turn it into infinity or fail). */
  static Instant inRange(Instant t, String name) {
    if (t.isBefore(MIN_TIME) || t.isAfter(MAX_TIME)) {
      throw HttpFailure.badRequest("the field '" + name + "' is out of range: a time between the years 1 and 9999 "
          + "is required");
    }
    return t;
  }

  /**
   * The common shapes {@code 2026-01-31T12:00:00Z}, with a fraction of up to 9 digits and/or a {@code +hh:mm}
   * offset, without DateTimeFormatter (which costs microseconds per call); null for anything else.
   */
  static Instant fastInstant(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't')
        || s.charAt(13) != ':' || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0
        || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    int i = 19;
    int nanos = 0;
    if (i < n && s.charAt(i) == '.') {
      i++;
      int start = i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        if (i - start < 9) {
          nanos = nanos * 10 + (s.charAt(i) - '0');
        }
        i++;
      }
      int len = i - start;
      if (len == 0) {
        return null;
      }
      for (int k = len; k < 9; k++) {
        nanos *= 10;
      }
    }
    int offsetSeconds;
    if (i == n - 1 && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
      offsetSeconds = 0;
    } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
      int oh = digits(s, i + 1, 2);
      int om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 18 || om < 0 || om > 59) {
        return null;
      }
      offsetSeconds = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
    } else {
      return null;
    }
    try {
      long epochDay = LocalDate.of(year, month, day).toEpochDay();
      return Instant.ofEpochSecond(epochDay * 86400 + hour * 3600L + minute * 60L + second - offsetSeconds, nanos);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static int digits(String s, int from, int count) {
    int v = 0;
    for (int k = from; k < from + count; k++) {
      char c = s.charAt(k);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
