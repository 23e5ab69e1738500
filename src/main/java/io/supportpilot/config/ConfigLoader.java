package io.supportpilot.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Loads {@code conf/application.yaml} (or the file named by {@code SUPPORTPILOT_CONFIG}) and overlays the
 * environment. Only keys present in the file can be set, so a misspelt variable in the file fails loudly.
 */
public final class ConfigLoader {

  /** Fixed variable names from the design that do not follow the naming rule, mapped to their keys. */
  static final Map<String, String> ALIASES = Map.of("DATA_DIR", "pg.data-dir");

  private ConfigLoader() {
  }

  /** Loads from the default location with the process environment. */
  public static Config load() {
    return load(System.getenv());
  }

  /** Loads from the default location with the given environment. */
  public static Config load(Map<String, String> env) {
    Path file = Path.of(env.getOrDefault("SUPPORTPILOT_CONFIG", "conf/application.yaml"));
    Map<String, String> defaults;
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        defaults = flatten(in, file.toString());
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
    } else {
      try (InputStream in = ConfigLoader.class.getResourceAsStream("/application.yaml")) {
        if (in == null) {
          throw new ConfigException("config file " + file + " not found (run from the project folder, or set SUPPORTPILOT_CONFIG)");
        }
        defaults = flatten(in, "classpath:application.yaml");
      } catch (IOException e) {
        throw new ConfigException("cannot read bundled config: " + e.getMessage());
      }
    }
    return overlay(defaults, env);
  }

  /** Overlays environment variables on the given defaults. */
  public static Config overlay(Map<String, String> defaults, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>(defaults);
    Map<String, String> origins = new LinkedHashMap<>();
    for (String key : defaults.keySet()) {
      String var = Config.envName(key);
      String v = env.get(var);
      if (v != null) {
        values.put(key, v);
        origins.put(key, var);
      }
    }
    for (Map.Entry<String, String> alias : ALIASES.entrySet()) {
      String v = env.get(alias.getKey());
      if (v != null && defaults.containsKey(alias.getValue())) {
        values.put(alias.getValue(), v);
        origins.put(alias.getValue(), alias.getKey());
      }
    }
    return new Config(values, origins);
  }

  /** Flattens a YAML document into dotted keys; lists become comma-separated values. */
  static Map<String, String> flatten(InputStream in, String name) {
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
    } catch (RuntimeException e) {
      throw new ConfigException("config file " + name + " is not valid YAML: " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null) {
      return out;
    }
    if (!(root instanceof Map)) {
      throw new ConfigException("config file " + name + " must be a mapping at the top level");
    }
    walk("", (Map<?, ?>) root, out);
    return out;
  }

  private static void walk(String prefix, Map<?, ?> map, Map<String, String> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map) {
        walk(key, (Map<?, ?>) v, out);
      } else if (v instanceof List) {
        StringBuilder sb = new StringBuilder();
        for (Object item : (List<?>) v) {
          if (sb.length() > 0) {
            sb.append(',');
          }
          sb.append(item);
        }
        out.put(key, sb.toString());
      } else {
        out.put(key, v == null ? "" : String.valueOf(v));
      }
    }
  }
}
