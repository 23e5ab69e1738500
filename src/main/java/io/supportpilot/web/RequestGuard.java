package io.supportpilot.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Refuses, with a 400 before any handler runs, request text that no column could store: a request target whose
 * decoded path or query holds NUL or is not UTF-8, and JSON bodies of the admin and customer APIs with bytes that
 * are not UTF-8, a NUL character, an unpaired surrogate escape or a number outside Postgres numeric.
 */
final class RequestGuard {

  private RequestGuard() {
  }

  /** First route of every request: checks the request target as received. */
  static void target(RoutingContext rc) {
    String problem = StorableText.uriProblem(rc.request().uri());
    if (problem != null) {
      rc.fail(HttpFailure.badRequest(problem));
      return;
    }
    // The router matches the normalised path while checks (roles, prefixes) read the path as sent: a path with
    // dot segments or doubled slashes could pass a check as one route and be routed to another. No client needs them.
    String path = rc.request().path();
    if (path != null && !path.equals(rc.normalizedPath())) {
      rc.fail(HttpFailure.badRequest("the request path has dot segments or empty segments; send it normalised"));
      return;
    }
    rc.next();
  }

  /** After the body handler: checks a JSON (or untyped) body; other media types are left to their routes. */
  static void jsonBody(RoutingContext rc) {
    Buffer body = rc.body() == null ? null : rc.body().buffer();
    String ct = rc.request().getHeader("Content-Type");
    if (body == null || body.length() == 0 || ct != null && !ct.toLowerCase(Locale.ROOT).contains("json")) {
      rc.next();
      return;
    }
    byte[] bytes = body.getBytes();
    String problem = StorableText.jsonProblem(bytes, 0, bytes.length, false);
    if (problem != null) {
      rc.fail(HttpFailure.badRequest(problem));
      return;
    }
    rc.next();
  }
}
