package io.supportpilot;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.config.Config;
import io.supportpilot.config.ConfigLoader;
import io.supportpilot.config.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Checks the deployment files that no Docker engine here can run: compose environment and image health check. */
class DeploymentFilesTest {

  private static final Pattern VAR = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([-?])([^}]*))?}");

  @Test
  @SuppressWarnings("unchecked")
  void theComposeEnvironmentWithOnlyTheRequiredSecretsSetIsAValidConfiguration() throws Exception {
    // Verifies that docker-compose.yml's app environment, with every optional variable unset (compose defaults
    // applied), passes the engine's whole config validation (an empty SMTP_HOST used to stop both instances).
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    Map<String, Object> app = (Map<String, Object>) compose.get("x-app");
    Map<String, Object> environment = (Map<String, Object>) app.get("environment");
    Map<String, String> env = new HashMap<>();
    environment.forEach((k, v) -> env.put(k, resolve(String.valueOf(v))));
    Config config = ConfigLoader.load(env);
    assertDoesNotThrow(() -> EngineConfig.from(config));
    assertDoesNotThrow(() -> Capabilities.create(config));
  }

  @Test
  void theImageHealthCheckUsesAToolTheImageInstallsAndTheConfiguredPort() throws Exception {
    // Verifies that the HEALTHCHECK does not rely on bash's /dev/tcp (the image's /bin/sh is dash), uses curl,
    // which the image installs itself, and the HTTP_PORT variable rather than a hardcoded port.
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String check = dockerfile.substring(dockerfile.indexOf("\nHEALTHCHECK") + 1);
    check = check.substring(0, check.indexOf("\n", check.indexOf("CMD")));
    assertFalse(check.contains("/dev/tcp"), check);
    assertTrue(check.contains("curl") && check.contains("${HTTP_PORT}") && check.contains("/health/live"), check);
    assertTrue(dockerfile.matches("(?s).*apt-get install[^\\n]*\\bcurl\\b.*"), "the image installs curl");
    assertTrue(dockerfile.contains("ENV HTTP_PORT=8080"), "HTTP_PORT has a value in the image");
    assertTrue(dockerfile.contains("-Xmx"), "the image sets a heap size");
  }

  /** Applies compose interpolation: {@code ${X:-default}} to its default, {@code ${X:?message}} to a test value. */
  private static String resolve(String value) {
    Matcher m = VAR.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String replacement = "?".equals(m.group(2)) ? "test-" + m.group(1).toLowerCase()
          : "-".equals(m.group(2)) ? m.group(3) : "";
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
