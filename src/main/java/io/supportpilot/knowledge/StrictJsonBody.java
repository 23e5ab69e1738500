package io.supportpilot.knowledge;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Strict reading of admin JSON bodies: unknown fields and wrong types are refused with a 400 naming the field. */
final class StrictJsonBody {

  private final JsonObject json;
  private final String what;

  StrictJsonBody(JsonObject json, String what, Set<String> allowed) {
    this.json = json;
    this.what = what;
    for (String name : json.fieldNames()) {
      if (!allowed.contains(name)) {
        throw HttpFailure.badRequest("unknown field '" + name + "' in " + what + "; allowed: "
            + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  String string(String field, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) {
      throw HttpFailure.badRequest(what + " field '" + field + "' is required");
    }
    if (!(v instanceof String)) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must be a string");
    }
    String s = ((String) v).trim();
    if (s.isEmpty()) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must not be empty");
    }
    if (s.length() > maxLength) {
      throw HttpFailure.badRequest(what + " field '" + field + "' is longer than " + maxLength + " characters");
    }
    return s;
  }

  String optionalString(String field, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String)) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must be a string or null");
    }
    String s = ((String) v).trim();
    if (s.length() > maxLength) {
      throw HttpFailure.badRequest(what + " field '" + field + "' is longer than " + maxLength + " characters");
    }
    return s.isEmpty() ? null : s;
  }

  List<String> strings(String field, int maxItems) {
    Object v = json.getValue(field);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray)) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must be an array of strings");
    }
    JsonArray a = (JsonArray) v;
    if (a.size() > maxItems) {
      throw HttpFailure.badRequest(what + " field '" + field + "' has more than " + maxItems + " items");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      Object item = a.getValue(i);
      if (!(item instanceof String) || ((String) item).isBlank()) {
        throw HttpFailure.badRequest(what + " field '" + field + "[" + i + "]' must be a non-empty string");
      }
      out.add(((String) item).trim());
    }
    return List.copyOf(out);
  }

  boolean bool(String field, boolean fallback) {
    Object v = json.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Boolean)) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must be true or false");
    }
    return (Boolean) v;
  }

  double number(String field, double fallback, double min, double max) {
    Object v = json.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Number)) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must be a number");
    }
    double d = ((Number) v).doubleValue();
    if (Double.isNaN(d) || d < min || d > max) {
      throw HttpFailure.badRequest(what + " field '" + field + "' must be between " + min + " and " + max);
    }
    return d;
  }
}
