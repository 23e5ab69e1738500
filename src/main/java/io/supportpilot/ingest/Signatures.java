package io.supportpilot.ingest;

import io.supportpilot.web.HttpFailure;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 webhook signatures over the raw body bytes, compared in constant time. One instance per secret;
 * thread-safe (a {@link Mac} per thread).
 */
public final class Signatures {


  private final ThreadLocal<Mac> mac;
  private final String source;

  private Signatures(byte[] key, String source) {
    this.source = source;
    SecretKeySpec spec = new SecretKeySpec(key, "HmacSHA256");
    this.mac = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(spec);
        return m;
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("HmacSHA256 unavailable", e);
      }
    });
  }

  /** Signatures keyed with the given secret (UTF-8), for the named source. */
  public static Signatures withSecret(String secret, String source) {
    return new Signatures(secret.getBytes(StandardCharsets.UTF_8), source);
  }

  /** The raw HMAC-SHA256 of {@code prefix + body} (prefix may be null). */
  public byte[] hmac(byte[] prefix, byte[] body, int offset, int length) {
    Mac m = mac.get();
    if (prefix != null) {
      m.update(prefix);
    }
    m.update(body, offset, length);
    return m.doFinal();
  }

  /**
   * Checks an MCP signature: {@code X-Signature: sha256=<hex>} over {@code <timestamp>.<raw body>} with
   * {@code X-Timestamp} in unix seconds at most {@code maxSkew} away from {@code nowSeconds}.
   */
  public void verifyMcp(String timestampHeader, String signatureHeader, byte[] body, long nowSeconds,
      Duration maxSkew) {
    if (timestampHeader == null || timestampHeader.isBlank()) {
      throw HttpFailure.unauthorized("the X-Timestamp header is missing");
    }
    if (signatureHeader == null || signatureHeader.isBlank()) {
      throw HttpFailure.unauthorized("the X-Signature header is missing");
    }
    long ts;
    try {
      ts = Long.parseLong(timestampHeader.trim());
    } catch (NumberFormatException e) {
      throw HttpFailure.unauthorized("the X-Timestamp header must be unix seconds");
    }
    if (Math.abs(nowSeconds - ts) > maxSkew.toSeconds()) {
      throw HttpFailure.unauthorized("the X-Timestamp is more than " + maxSkew.toSeconds()
          + " seconds away from the server clock (stale or future request)");
    }
    String sig = signatureHeader.trim();
    if (!sig.regionMatches(true, 0, "sha256=", 0, 7)) {
      throw HttpFailure.unauthorized("the X-Signature header must look like sha256=<hex>");
    }
    byte[] expected = decodeHex(sig, 7);
    byte[] prefix = (timestampHeader.trim() + ".").getBytes(StandardCharsets.US_ASCII);
    byte[] actual = hmac(prefix, body, 0, body.length);
    if (expected == null || !MessageDigest.isEqual(expected, actual)) {
      throw HttpFailure.unauthorized("the " + source + " signature does not match the body");
    }
  }

  /** Checks a Sentry signature: {@code Sentry-Hook-Signature} = hex HMAC-SHA256 of the raw body. */
  public void verifySentry(String signatureHeader, byte[] body) {
    if (signatureHeader == null || signatureHeader.isBlank()) {
      throw HttpFailure.unauthorized("the Sentry-Hook-Signature header is missing");
    }
    byte[] expected = decodeHex(signatureHeader.trim(), 0);
    byte[] actual = hmac(null, body, 0, body.length);
    if (expected == null || !MessageDigest.isEqual(expected, actual)) {
      throw HttpFailure.unauthorized("the " + source + " signature does not match the body");
    }
  }

  /** Lowercase hex of bytes. */
  public static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 0xf];
    }
    return new String(out);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Decodes hex from {@code from}; null when it is not 64 hex digits (a SHA-256). */
  static byte[] decodeHex(String s, int from) {
    int n = s.length() - from;
    if (n != 64) {
      return null;
    }
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      int hi = Character.digit(s.charAt(from + 2 * i), 16);
      int lo = Character.digit(s.charAt(from + 2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

}
