package io.supportpilot.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Predicate;

/**
 * Bearer-token auth: the token's SHA-256 is compared in constant time with the expected hash, so neither
 * the token nor its length leaks through timing. 401 without a valid token.
 */
public final class BearerAuth implements Handler<RoutingContext> {

  private final String realm;
  private final Predicate<String> accepts;

  private BearerAuth(String realm, Predicate<String> accepts) {
    this.realm = realm;
    this.accepts = accepts;
  }

  /** Accepts requests whose bearer token hashes to {@code expectedSha256}. */
  public static BearerAuth forHash(String realm, byte[] expectedSha256) {
    byte[] expected = expectedSha256.clone();
    return new BearerAuth(realm, token -> MessageDigest.isEqual(sha256(token), expected));
  }

  /** Refuses every request, naming what is not configured. */
  public static BearerAuth refuseAll(String realm) {
    return new BearerAuth(realm, token -> false);
  }

  /** True when the header carries a token this auth accepts. */
  public boolean accepts(String authorizationHeader) {
    String token = tokenOf(authorizationHeader);
    return token != null && accepts.test(token);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null) {
      ctx.fail(HttpFailure.unauthorized(realm + " requires an Authorization: Bearer token"));
    } else if (!accepts(header)) {
      ctx.fail(HttpFailure.unauthorized("the bearer token is not valid for " + realm));
    } else {
      ctx.next();
    }
  }

  /** The token of an {@code Authorization: Bearer ...} header, or null. */
  public static String tokenOf(String header) {
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String t = header.substring(7).trim();
    return t.isEmpty() ? null : t;
  }

  /** SHA-256 of the UTF-8 bytes of a token. */
  public static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hex SHA-256 of a token, as stored. */
  public static String sha256Hex(String token) {
    return HexFormat.of().formatHex(sha256(token));
  }
}
