package io.supportpilot.devops;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of prompts, pull requests, Slack and logs: values under secret-looking keys become
 * {@code [redacted]}, and token-shaped strings (bearer tokens, GitHub, Anthropic, Slack, AWS keys, private keys,
 * passwords in URLs) are masked wherever they appear in text.
 */
final class Redactor {

  static final String MASK = "[redacted]";

  private static final Set<String> SECRET_KEYS = Set.of("password", "passwd", "secret", "token", "access_token",
      "refresh_token", "authorization", "cookie", "set-cookie", "api_key", "apikey", "x-api-key", "client_secret",
      "private_key", "session", "sessionid", "csrftoken");

  private static final Pattern TOKENS = Pattern.compile(
      "(?i)(bearer\\s+[A-Za-z0-9._~+/=-]{8,})"
      + "|(gh[pousr]_[A-Za-z0-9]{20,})|(github_pat_[A-Za-z0-9_]{20,})"
      + "|(sk-ant-[A-Za-z0-9_-]{8,})|(sk-[A-Za-z0-9]{20,})"
      + "|(xox[abprs]-[A-Za-z0-9-]{10,})|(hooks\\.slack\\.com/services/[A-Za-z0-9/]+)"
      + "|(AKIA[0-9A-Z]{16})|(-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?-----END [A-Z ]*PRIVATE KEY-----)"
      + "|((?<=://)[^/\\s:@]+:[^/\\s@]+(?=@))"
      + "|((?<=[?&](?:access_token|token|api_key|key|password|secret|code)=)[^&\\s\"']+)");

  private Redactor() {
  }

  /** The text with every token-shaped substring masked. */
  static String text(String s) {
    if (s == null || s.isEmpty() || !mayHold(s)) {
      return s;
    }
    return TOKENS.matcher(s).replaceAll(MASK);
  }

  /** True when the text holds something token-shaped. */
  static boolean hasSecret(String s) {
    return s != null && mayHold(s) && TOKENS.matcher(s).find();
  }

  /** A cheap pre-check: the big pattern runs only on text with one of the markers its alternatives need. */
  static boolean mayHold(String s) {
    String l = s.toLowerCase(Locale.ROOT);
    return l.contains("bearer") || l.contains("gh") && (l.contains("ghp_") || l.contains("gho_")
        || l.contains("ghu_") || l.contains("ghs_") || l.contains("ghr_") || l.contains("github_pat_"))
        || l.contains("sk-") || l.contains("xox") || l.contains("hooks.slack.com") || l.contains("akia")
        || l.contains("-----begin") || l.contains("://") && l.indexOf('@') >= 0
        || l.contains("token=") || l.contains("key=") || l.contains("password=") || l.contains("secret=")
        || l.contains("code=");
  }

  /** A deep copy with secret keys' values and token-shaped strings masked. */
  static JsonObject json(JsonObject in) {
    JsonObject out = new JsonObject();
    for (String k : in.fieldNames()) {
      Object v = in.getValue(k);
      out.put(k, secretKey(k) && v != null && !(v instanceof JsonObject) && !(v instanceof JsonArray) ? MASK : value(v));
    }
    return out;
  }

  static JsonArray json(JsonArray in) {
    JsonArray out = new JsonArray();
    for (Object v : in) {
      out.add(value(v));
    }
    return out;
  }

  private static Object value(Object v) {
    if (v instanceof JsonObject) {
      return json((JsonObject) v);
    }
    if (v instanceof JsonArray) {
      JsonArray a = (JsonArray) v;
      // Sentry sends headers and tags as [key, value] pairs: a secret key masks its value.
      if (a.size() == 2 && a.getValue(0) instanceof String && secretKey(a.getString(0))) {
        return new JsonArray().add(a.getString(0)).add(MASK);
      }
      return json(a);
    }
    if (v instanceof String) {
      return text((String) v);
    }
    return v;
  }

  private static boolean secretKey(String k) {
    String key = k.toLowerCase(Locale.ROOT);
    return SECRET_KEYS.contains(key) || key.endsWith("_token") || key.endsWith("_secret") || key.endsWith("password");
  }
}
