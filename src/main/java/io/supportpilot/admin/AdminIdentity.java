package io.supportpilot.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.supportpilot.web.BearerAuth;
import io.supportpilot.web.HttpFailure;
import io.supportpilot.web.HttpServerVerticle;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves who makes an admin request before the engine's bearer check: the bootstrap token is the owner, a named
 * token is looked up by its hash (cached a few seconds, so a revoked token stops working within that time on other
 * instances and at once on this one), then {@link RolePolicy} answers 403 when the role is too low. A request with
 * no or an unknown token passes on untouched, and the engine's bearer check answers 401.
 */
final class AdminIdentity implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(AdminIdentity.class);
  static final Duration CACHE_TTL = Duration.ofSeconds(5);

  private final BearerAuth owner;
  private final NamedTokens tokens;
  private final Cache<String, Optional<AdminPrincipal>> cache = Caffeine.newBuilder()
      .maximumSize(10_000).expireAfterWrite(CACHE_TTL).build();

  AdminIdentity(BearerAuth owner, NamedTokens tokens) {
    this.owner = owner;
    this.tokens = tokens;
  }

  /** Forgets a revoked token at once. */
  void forget(String sha256Hex) {
    cache.invalidate(sha256Hex);
  }

  @Override
  public void handle(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    String token = BearerAuth.tokenOf(header);
    if (token == null) {
      rc.next();
      return;
    }
    if (owner.accepts(header)) {
      admit(rc, AdminPrincipal.OWNER);
      return;
    }
    String hash = BearerAuth.sha256Hex(token);
    Optional<AdminPrincipal> known = cache.getIfPresent(hash);
    if (known != null) {
      known.ifPresentOrElse(p -> admit(rc, p), rc::next);
      return;
    }
    // The body handler comes after this route: hold the body until it runs.
    rc.request().pause();
    tokens.lookup(hash).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("admin token lookup failed: {}", ar.cause().toString());
        rc.fail(HttpFailure.unavailable("could not check the admin token: the store is not reachable", 1));
        return;
      }
      cache.put(hash, ar.result());
      ar.result().ifPresentOrElse(p -> admit(rc, p), rc::next);
    });
  }

  private static void admit(RoutingContext rc, AdminPrincipal p) {
    Role needed = RolePolicy.required(rc.request().method(), rc.normalizedPath());
    if (!p.role().atLeast(needed)) {
      rc.fail(HttpFailure.forbidden("role " + p.role().wire() + " may not " + rc.request().method() + " "
          + rc.normalizedPath() + "; it needs " + needed.wire()));
      return;
    }
    rc.put(AdminPrincipal.KEY, p);
    rc.put(HttpServerVerticle.AUTHENTICATED, Boolean.TRUE);
    rc.next();
  }
}
