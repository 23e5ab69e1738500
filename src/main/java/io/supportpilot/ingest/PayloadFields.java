package io.supportpilot.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.supportpilot.web.HttpFailure;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads the fields of a parsed payload as the store takes them: typed, length-checked (a 400 names the field),
 * and with NUL characters, which Postgres text cannot hold, replaced.
 */
final class PayloadFields {

  static final int MAX_ID_CHARS = 200;

  private PayloadFields() {
  }

  /** {@code n} when it is an object; else a 400 saying the field {@code at} is required. */
  static JsonNode object(JsonNode n, String at) {
    if (!n.isObject()) {
      throw HttpFailure.badRequest("the field '" + at + "' is required (an object)");
    }
    return n;
  }

  /** The non-blank string field {@code name} of {@code node}, at most {@link #MAX_ID_CHARS} characters. */
  static String requiredText(JsonNode node, String name, String field) {
    String v = idText(node, name, field);
    if (v == null || v.isBlank()) {
      throw HttpFailure.badRequest("the field '" + field + name + "' is required (a non-empty string)");
    }
    return v;
  }

  private static String idText(JsonNode node, String name, String field) {
    return text(node, name, field, MAX_ID_CHARS);
  }

  private static String text(JsonNode node, String name, String field, int max) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw HttpFailure.badRequest("the field '" + field + name + "' must be a string");
    }
    String s = v.asText();
    if (s.length() > max) {
      throw HttpFailure.badRequest("the field '" + field + name + "' is longer than " + max + " characters");
    }
    return s;
  }

  /** The text of the first node that is a non-empty string or a number; null when none is. */
  static String firstText(JsonNode... nodes) {
    for (JsonNode n : nodes) {
      if (n != null && (n.isTextual() || n.isNumber()) && !n.asText().isEmpty()) {
        return n.asText();
      }
    }
    return null;
  }

  /** The HTTP status (100-599) written in {@code s}; null for anything else. */
  static Integer intOrNull(String s) {
    if (s == null) {
      return null;
    }
    try {
      int v = Integer.parseInt(s.trim());
      return v >= 100 && v <= 599 ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** {@code s}, cleaned, when it has at most {@link #MAX_ID_CHARS} characters; else a 400 naming the field. */
  static String limit(String s, String name, String at) {
    if (s != null && s.length() > MAX_ID_CHARS) {
      throw HttpFailure.badRequest("the field '" + at + "." + name + "' is longer than " + MAX_ID_CHARS
          + " characters");
    }
    return clean(s);
  }

  /** Postgres text cannot hold NUL: it becomes U+FFFD; everything else is kept verbatim. */
  static String clean(String s) {
    return s == null || s.indexOf('\u0000') < 0 ? s : s.replace('\u0000', '\uFFFD');
  }

  /** A copy of the tree with every string and field name {@link #clean cleaned}. */
  static JsonNode sanitize(JsonNode n) {
    if (n.isTextual()) {
      return JsonNodeFactory.instance.textNode(clean(n.asText()));
    }
    if (n.isObject()) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        o.set(clean(e.getKey()), sanitize(e.getValue()));
      }
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      for (JsonNode c : n) {
        a.add(sanitize(c));
      }
      return a;
    }
    return n;
  }
}
