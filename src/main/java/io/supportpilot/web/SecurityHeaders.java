package io.supportpilot.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Browser security headers for the HTML the engine serves (the admin dashboard and the public knowledge base):
 * a Content-Security-Policy that allows only the engine's own scripts, styles and API (no inline script, no
 * third-party request), no framing, no MIME sniffing and no referrer.
 */
public final class SecurityHeaders implements Handler<RoutingContext> {

  /** The dashboard: its own scripts and styles, XHR/SSE to its own origin, SVG and data images. */
  public static final String DASHBOARD_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  /** The knowledge base: no script at all, its own stylesheet, forms to itself. */
  public static final String PAGES_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; "
      + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private final String policy;

  /** Headers with the given Content-Security-Policy. */
  public SecurityHeaders(String policy) {
    this.policy = policy;
  }

  @Override
  public void handle(RoutingContext rc) {
    rc.response().headers()
        .set("Content-Security-Policy", policy)
        .set("X-Frame-Options", "DENY")
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "no-referrer")
        .set("Cross-Origin-Opener-Policy", "same-origin")
        .set("Cross-Origin-Resource-Policy", "same-origin");
    rc.next();
  }
}
