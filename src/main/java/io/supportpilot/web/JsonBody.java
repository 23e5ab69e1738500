package io.supportpilot.web;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/** Reads a request body that must be a JSON object: 415 when not JSON, 400 when empty or not an object. */
public final class JsonBody {

  private JsonBody() {
  }

  /** The body as a JSON object, or an {@link HttpFailure}. */
  public static JsonObject of(RoutingContext rc) {
    String ct = rc.request().getHeader("Content-Type");
    if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw HttpFailure.unsupportedMediaType("send the body as application/json");
    }
    if (rc.body() == null || rc.body().length() == 0) {
      throw HttpFailure.badRequest("the body is empty; send a JSON object");
    }
    Object v;
    try {
      v = rc.body().buffer().toJsonValue();
    } catch (RuntimeException e) {
      throw HttpFailure.badRequest("the body is not valid JSON");
    }
    if (!(v instanceof JsonObject)) {
      throw HttpFailure.badRequest("the body must be a JSON object");
    }
    return (JsonObject) v;
  }

  /** An optional string field: null when absent, 400 when not a string or longer than {@code max}. */
  public static String optionalString(JsonObject body, String field, int max) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String)) {
      throw HttpFailure.badRequest(field + " must be a string");
    }
    String s = ((String) v).trim();
    if (s.length() > max) {
      throw HttpFailure.badRequest(field + " is longer than " + max + " characters");
    }
    return s;
  }

  /** A required non-blank string field of at most {@code max} characters. */
  public static String requiredString(JsonObject body, String field, int max) {
    String s = optionalString(body, field, max);
    if (s == null || s.isEmpty()) {
      throw HttpFailure.badRequest(field + " is required (a non-empty string)");
    }
    return s;
  }
}
