package io.supportpilot.spike;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived, HMAC-SHA256-signed tokens that open the spike stream in a browser ({@code ?token=}) so the
 * long-lived admin token never goes into a URL. Format: {@code v1.<expiry epoch seconds>.<nonce>.<signature>}.
 * Stateless and thread-safe; the key is the STREAM_TOKEN_KEY secret (shared by every instance) or random
 * per process.
 */
final class StreamTokens {

  private static final String PURPOSE = "supportpilot.spikes.stream";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final Duration ttl;
  private final Clock clock;

  StreamTokens(byte[] key, Duration ttl, Clock clock) {
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.ttl = ttl;
    this.clock = clock;
  }

  /** A key derived from a configured secret, or 32 random bytes when there is none. */
  static byte[] keyFrom(String secret) {
    if (secret == null) {
      byte[] k = new byte[32];
      RANDOM.nextBytes(k);
      return k;
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new token valid for the configured lifetime. */
  String issue() {
    long expiry = clock.instant().plus(ttl).getEpochSecond();
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    String body = "v1." + expiry + "." + HexFormat.of().formatHex(nonce);
    return body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sign(body));
  }

  /** When a token issued now expires. */
  Instant expiryOfNew() {
    return Instant.ofEpochSecond(clock.instant().plus(ttl).getEpochSecond());
  }

  /**
   * True when the token is well-formed, signed with this key, not expired, and its expiry lies no further ahead than
   * the configured lifetime (a token minted with a longer life, e.g. by an instance with another TTL sharing the key,
   * is refused). Constant-time signature check.
   */
  boolean valid(String token) {
    if (token == null || token.length() > 200) {
      return false;
    }
    int dot = token.lastIndexOf('.');
    if (dot <= 0 || !token.startsWith("v1.")) {
      return false;
    }
    String body = token.substring(0, dot);
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (!MessageDigest.isEqual(sign(body), given)) {
      return false;
    }
    String[] parts = body.split("\\.");
    if (parts.length != 3) {
      return false;
    }
    try {
      long now = clock.instant().getEpochSecond();
      long expiry = Long.parseLong(parts[1]);
      // issue() rounds the expiry down to the second, so a fresh token is never above now + ttl.
      return now < expiry && expiry - now <= ttl.toSeconds() + 1;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private byte[] sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal((PURPOSE + "|" + body).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }
}
