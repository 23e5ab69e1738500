package io.supportpilot.web;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one failure handler: writes {@code {"error","detail"}} with a fitting status for any failure. */
public final class FailureHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);
  /** 429/503 answers come in floods while a dependency is down: one log line per status per interval. */
  private static final LogThrottle REFUSALS = new LogThrottle(Duration.ofSeconds(10));

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    Throwable failure = ctx.failure();
    int status;
    String code;
    String detail;
    Integer retryAfter = null;
    if (failure instanceof HttpFailure) {
      HttpFailure f = (HttpFailure) failure;
      status = f.status();
      code = f.code();
      detail = f.getMessage();
      retryAfter = f.retryAfterSeconds();
    } else if (failure instanceof DecodeException) {
      status = 400;
      code = "bad_request";
      detail = "the body is not valid JSON";
    } else if (failure == null) {
      status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      code = codeFor(status);
      detail = detailFor(status);
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // Vert.x itself refused the request with a 4xx (e.g. no Host header): the client's fault, never a 500.
      status = ctx.statusCode();
      code = codeFor(status);
      detail = vertxDetail(status, failure);
    } else {
      status = 500;
      code = "internal_error";
      detail = "an unexpected error occurred; it has been logged";
    }
    if (status >= 500 && failure != null && !(failure instanceof HttpFailure)) {
      LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
    } else if (status == 503 || status == 429) {
      long suppressed = REFUSALS.permit(status);
      if (suppressed >= 0) {
        LOG.warn("{} {} -> {} {} ({} more {} answers in the last {} s not logged)", ctx.request().method(),
            ctx.request().path(), status, detail, suppressed, status, REFUSALS.intervalSeconds());
      }
    } else if (status >= 500) {
      LOG.warn("{} {} -> {} {}", ctx.request().method(), ctx.request().path(), status, detail);
    } else if (LOG.isDebugEnabled()) {
      LOG.debug("{} {} -> {} {}", ctx.request().method(), ctx.request().path(), status, detail);
    }
    if (retryAfter != null) {
      response.putHeader("Retry-After", String.valueOf(retryAfter));
    }
    if (status == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", code).put("detail", detail).encode());
  }

  /** Vert.x's own 4xx reasons in the product's words; its message is not passed on as such. */
  private static String vertxDetail(int status, Throwable failure) {
    String m = String.valueOf(failure.getMessage());
    if (m.contains("'Host' header")) {
      return "the Host header is required in HTTP/1.1 requests";
    }
    if (m.contains(":authority")) {
      return "the :authority pseudo-header is required in HTTP/2 requests";
    }
    if (m.contains("path must start with")) {
      return "the request path must start with '/'";
    }
    return detailFor(status);
  }

  static String codeFor(int status) {
    switch (status) {
      case 400: return "bad_request";
      case 401: return "unauthorized";
      case 403: return "forbidden";
      case 404: return "not_found";
      case 405: return "method_not_allowed";
      case 413: return "payload_too_large";
      case 415: return "unsupported_media_type";
      case 429: return "overloaded";
      case 503: return "unavailable";
      default: return status >= 500 ? "internal_error" : "error";
    }
  }

  static String detailFor(int status) {
    switch (status) {
      case 400: return "the request is malformed";
      case 401: return "missing or invalid credentials";
      case 403: return "not allowed";
      case 404: return "no such resource";
      case 405: return "method not allowed on this path";
      case 413: return "the request body is larger than the configured limit";
      case 415: return "the content type is not supported";
      default: return "the request failed";
    }
  }
}
