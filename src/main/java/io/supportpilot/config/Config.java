package io.supportpilot.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The effective configuration: defaults from {@code conf/application.yaml}, overlaid by environment variables.
 *
 * <p>Keys are dotted paths ({@code http.port}, {@code ingest.batch-max-size}). The environment variable for a
 * key is the key in upper case with dots and dashes turned into underscores ({@code HTTP_PORT},
 * {@code INGEST_BATCH_MAX_SIZE}). Typed getters fail with a {@link ConfigException} that names the key and its
 * variable, so a wrong value stops start-up with a clear message. Secrets are not held here: see {@link Secrets}.
 */
public final class Config {

  private final Map<String, String> values;
  private final Map<String, String> origins;

  Config(Map<String, String> values, Map<String, String> origins) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    this.origins = Collections.unmodifiableMap(new LinkedHashMap<>(origins));
  }

  /** Builds a config straight from key/value pairs (tests and tools). */
  public static Config of(Map<String, String> values) {
    return new Config(values, Map.of());
  }

  /** The environment variable that overrides the given key. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** All keys and values, for a start-up dump (holds no secrets). */
  public Map<String, String> asMap() {
    return values;
  }

  /** Where a key's value came from: {@code default} or the environment variable's name. */
  public String origin(String key) {
    return origins.getOrDefault(key, "default");
  }

  /** True when the key has a non-blank value. */
  public boolean has(String key) {
    String v = values.get(key);
    return v != null && !v.isBlank();
  }

  /** The raw value, or empty when unset or blank. */
  public Optional<String> optional(String key) {
    return has(key) ? Optional.of(values.get(key).trim()) : Optional.empty();
  }

  /** A required string value. */
  public String string(String key) {
    return optional(key).orElseThrow(() -> invalid(key, "is required but empty"));
  }

  /** A string value with a fallback when unset. */
  public String string(String key, String fallback) {
    return optional(key).orElse(fallback);
  }

  /** An integer within [min, max]. */
  public int intIn(String key, int min, int max) {
    long v = longIn(key, min, max);
    return (int) v;
  }

  /** A long within [min, max]. */
  public long longIn(String key, long min, long max) {
    String raw = string(key);
    long v;
    try {
      v = Long.parseLong(raw.replace("_", ""));
    } catch (NumberFormatException e) {
      throw invalid(key, "must be a whole number, got '" + raw + "'");
    }
    if (v < min || v > max) {
      throw invalid(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  /** A decimal number within [min, max]. */
  public double doubleIn(String key, double min, double max) {
    String raw = string(key);
    double v;
    try {
      v = Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      throw invalid(key, "must be a number, got '" + raw + "'");
    }
    if (Double.isNaN(v) || v < min || v > max) {
      throw invalid(key, "must be between " + min + " and " + max + ", got " + raw);
    }
    return v;
  }

  /** A boolean: true/false, yes/no, on/off. */
  public boolean bool(String key) {
    String raw = string(key).toLowerCase(Locale.ROOT);
    switch (raw) {
      case "true": case "yes": case "on": case "1":
        return true;
      case "false": case "no": case "off": case "0":
        return false;
      default:
        throw invalid(key, "must be true or false, got '" + raw + "'");
    }
  }

  /** A duration such as {@code 250ms}, {@code 5s}, {@code 10m}, {@code 24h}, {@code 30d}, at least {@code min}. */
  public Duration duration(String key, Duration min) {
    String raw = string(key).toLowerCase(Locale.ROOT);
    Duration d;
    try {
      d = parseDuration(raw);
    } catch (RuntimeException e) {
      throw invalid(key, "must be a duration such as 250ms, 5s, 10m, 24h or 30d, got '" + raw + "'");
    }
    if (d.compareTo(min) < 0) {
      throw invalid(key, "must be at least " + min + ", got '" + raw + "'");
    }
    return d;
  }

  /** One of the allowed values, compared case-insensitively; returned in lower case. */
  public String oneOf(String key, String... allowed) {
    String raw = string(key).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(raw)) {
        return raw;
      }
    }
    throw invalid(key, "must be one of " + String.join(", ", allowed) + ", got '" + raw + "'");
  }

  /** A ConfigException that names the key and its environment variable. */
  public ConfigException invalid(String key, String problem) {
    return new ConfigException("config key '" + key + "' (env " + envName(key) + ") " + problem);
  }

  static Duration parseDuration(String raw) {
    String s = raw.trim();
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
    }
    long n = Long.parseLong(s.substring(0, s.length() - 1).trim());
    switch (s.charAt(s.length() - 1)) {
      case 's': return Duration.ofSeconds(n);
      case 'm': return Duration.ofMinutes(n);
      case 'h': return Duration.ofHours(n);
      case 'd': return Duration.ofDays(n);
      default: throw new IllegalArgumentException(raw);
    }
  }
}
