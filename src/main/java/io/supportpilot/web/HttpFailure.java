package io.supportpilot.web;

/**
 * A failure that carries its HTTP status, a short machine code and a human sentence. The failure handler
 * writes it as {@code {"error": code, "detail": detail}}; 4xx are logged without stack traces.
 */
public class HttpFailure extends RuntimeException {

  private final int status;
  private final String code;
  private final Integer retryAfterSeconds;

  public HttpFailure(int status, String code, String detail) {
    this(status, code, detail, null);
  }

  public HttpFailure(int status, String code, String detail, Integer retryAfterSeconds) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The machine-readable error code. */
  public String code() {
    return code;
  }

  /** Seconds for a {@code Retry-After} header, or null. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** 400: the request is malformed; the detail names the field. */
  public static HttpFailure badRequest(String detail) {
    return new HttpFailure(400, "bad_request", detail);
  }

  /** 401: missing or wrong credentials. */
  public static HttpFailure unauthorized(String detail) {
    return new HttpFailure(401, "unauthorized", detail);
  }

  /** 403: authenticated, but not allowed. */
  public static HttpFailure forbidden(String detail) {
    return new HttpFailure(403, "forbidden", detail);
  }

  /** 404: no such resource. */
  public static HttpFailure notFound(String detail) {
    return new HttpFailure(404, "not_found", detail);
  }

  /** 409: conflicts with the current state. */
  public static HttpFailure conflict(String detail) {
    return new HttpFailure(409, "conflict", detail);
  }

  /** 413: body over the limit. */
  public static HttpFailure tooLarge(String detail) {
    return new HttpFailure(413, "payload_too_large", detail);
  }

  /** 415: not JSON. */
  public static HttpFailure unsupportedMediaType(String detail) {
    return new HttpFailure(415, "unsupported_media_type", detail);
  }

  /** 429 with Retry-After: overloaded, try again. */
  public static HttpFailure overloaded(String detail, int retryAfterSeconds) {
    return new HttpFailure(429, "overloaded", detail, retryAfterSeconds);
  }

  /** 503 with Retry-After: a dependency (the store, the broker) is down. */
  public static HttpFailure unavailable(String detail, int retryAfterSeconds) {
    return new HttpFailure(503, "unavailable", detail, retryAfterSeconds);
  }
}
