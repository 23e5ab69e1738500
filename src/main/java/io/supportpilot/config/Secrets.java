package io.supportpilot.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Secrets, read from the environment only (never from the config file), never printed: {@link #toString()}
 * says only which secrets are set.
 */
public final class Secrets {

  /** The environment variables that hold secrets. */
  public static final String[] NAMES = {
    "ADMIN_TOKEN", "PORTAL_SERVICE_TOKEN", "MCP_WEBHOOK_SECRET", "SENTRY_CLIENT_SECRET", "ANTHROPIC_API_KEY",
    "VOYAGE_API_KEY", "SENTRY_API_TOKEN", "GITHUB_TOKEN", "SMTP_USER", "SMTP_PASSWORD", "STREAM_TOKEN_KEY"
  };

  private final Map<String, String> env;

  private Secrets(Map<String, String> env) {
    this.env = env;
  }

  /** Takes the secrets from the given environment. */
  public static Secrets from(Map<String, String> env) {
    return new Secrets(Map.copyOf(filter(env)));
  }

  private static Map<String, String> filter(Map<String, String> env) {
    HashMap<String, String> m = new HashMap<>();
    for (String n : NAMES) {
      String v = env.get(n);
      if (v != null && !v.isBlank()) {
        m.put(n, v.trim());
      }
    }
    return m;
  }

  /** The secret, when set and non-blank. */
  public Optional<String> get(String name) {
    return Optional.ofNullable(env.get(name));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Secrets[");
    for (String n : NAMES) {
      sb.append(n).append('=').append(env.containsKey(n) ? "set" : "unset").append(' ');
    }
    return sb.toString().trim() + "]";
  }
}
