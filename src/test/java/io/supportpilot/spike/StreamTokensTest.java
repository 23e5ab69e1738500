package io.supportpilot.spike;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamTokensTest {

  @Test
  void tokensAreSignedExpireAndAreBoundToTheKey() {
    // Verifies that a token is valid until its expiry, invalid after, when tampered with, or under another key.
    Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
    StreamTokens tokens = new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofMinutes(10),
        Clock.fixed(t0, ZoneOffset.UTC));
    String token = tokens.issue();
    assertTrue(tokens.valid(token));
    assertFalse(new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofMinutes(10),
        Clock.fixed(t0.plusSeconds(601), ZoneOffset.UTC)).valid(token), "expired");
    assertTrue(new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofMinutes(10),
        Clock.fixed(t0.plusSeconds(599), ZoneOffset.UTC)).valid(token), "same key, other instance, not expired");
    assertFalse(new StreamTokens(StreamTokens.keyFrom("k2"), Duration.ofMinutes(10),
        Clock.fixed(t0, ZoneOffset.UTC)).valid(token), "another key");
    String[] parts = token.split("\\.");
    String longer = parts[0] + "." + (Long.parseLong(parts[1]) + 3600) + "." + parts[2] + "." + parts[3];
    assertFalse(tokens.valid(longer), "a changed expiry breaks the signature");
    assertFalse(tokens.valid(token.substring(0, token.length() - 2)));
    assertFalse(tokens.valid(""));
    assertFalse(tokens.valid(null));
    assertFalse(tokens.valid("v1.x.y.%%%"));
    assertFalse(new StreamTokens(StreamTokens.keyFrom(null), Duration.ofMinutes(10), Clock.fixed(t0,
        ZoneOffset.UTC)).valid(token), "a random per-process key");
  }

  @Test
  void aTokenMintedWithALongerLifeIsRefused() {
    // Verifies that a correctly signed token whose expiry lies beyond now + the configured TTL is refused, while
    // a token of exactly the configured lifetime is accepted.
    Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
    Clock clock = Clock.fixed(t0, ZoneOffset.UTC);
    StreamTokens shortLived = new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofMinutes(10), clock);
    StreamTokens longLived = new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofDays(30), clock);
    String forever = longLived.issue();
    assertTrue(longLived.valid(forever), "valid under the TTL it was minted with");
    assertFalse(shortLived.valid(forever), "a 30-day token is refused where the TTL is 10 minutes");
    String eleven = new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofMinutes(11), clock).issue();
    assertFalse(shortLived.valid(eleven), "one minute too long is refused");
    assertTrue(shortLived.valid(shortLived.issue()), "exactly the TTL is accepted");
    // After five minutes the long token is still beyond the cap, the short one still valid.
    StreamTokens later = new StreamTokens(StreamTokens.keyFrom("k1"), Duration.ofMinutes(10),
        Clock.fixed(t0.plusSeconds(300), ZoneOffset.UTC));
    assertFalse(later.valid(forever));
    assertTrue(later.valid(shortLived.issue()));
  }
}
