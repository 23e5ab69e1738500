package io.supportpilot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  void environmentOverridesFileDefaultsByTheNamingRule() {
    // Verifies that HTTP_PORT overrides http.port, DATA_DIR overrides pg.data-dir, and origins are reported.
    Config c = ConfigLoader.load(Map.of("HTTP_PORT", "9123", "DATA_DIR", "/tmp/x", "PG_POOL_SIZE", "4"));
    EngineConfig e = EngineConfig.from(c);
    assertEquals(9123, e.http().port());
    assertEquals("/tmp/x", e.pg().dataDir().toString());
    assertEquals(4, e.pg().poolSize());
    assertEquals("HTTP_PORT", c.origin("http.port"));
    assertEquals("DATA_DIR", c.origin("pg.data-dir"));
    assertEquals("default", c.origin("http.host"));
    assertTrue(e.pg().embedded());
    assertFalse(e.kafka().enabled());
  }

  @Test
  void externalPostgresAndKafkaAreSwitchedOnByTheirVariables() {
    // Verifies that PG_URL turns the embedded database off and KAFKA_BOOTSTRAP_SERVERS switches to scaled mode.
    EngineConfig e = EngineConfig.from(ConfigLoader.load(Map.of(
        "PG_URL", "postgresql://u:p@db:5432/app", "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")));
    assertFalse(e.pg().embedded());
    assertTrue(e.kafka().enabled());
  }

  @Test
  void wrongValuesStopStartUpNamingTheKeyAndVariable() {
    // Verifies that a bad number, an out-of-range value, a bad duration and a bad URL each name key and env var.
    ConfigException bad = assertThrows(ConfigException.class,
        () -> EngineConfig.from(ConfigLoader.load(Map.of("HTTP_PORT", "eighty"))));
    assertTrue(bad.getMessage().contains("http.port") && bad.getMessage().contains("HTTP_PORT"), bad.getMessage());
    ConfigException range = assertThrows(ConfigException.class,
        () -> EngineConfig.from(ConfigLoader.load(Map.of("HTTP_PORT", "70000"))));
    assertTrue(range.getMessage().contains("between 0 and 65535"), range.getMessage());
    ConfigException dur = assertThrows(ConfigException.class,
        () -> EngineConfig.from(ConfigLoader.load(Map.of("SHUTDOWN_GRACE", "soon"))));
    assertTrue(dur.getMessage().contains("SHUTDOWN_GRACE"), dur.getMessage());
    ConfigException url = assertThrows(ConfigException.class,
        () -> EngineConfig.from(ConfigLoader.load(Map.of("PG_URL", "mysql://x"))));
    assertTrue(url.getMessage().contains("PG_URL"), url.getMessage());
    ConfigException role = assertThrows(ConfigException.class,
        () -> EngineConfig.from(ConfigLoader.load(Map.of("KAFKA_ROLE", "leader"))));
    assertTrue(role.getMessage().contains("both, ingest, process"), role.getMessage());
  }

  @Test
  void durationsAndBooleansParse() {
    // Verifies the duration and boolean syntaxes the config file documents.
    Config c = Config.of(Map.of("a", "250ms", "b", "24h", "c", "30d", "d", "yes", "e", "off"));
    assertEquals(Duration.ofMillis(250), c.duration("a", Duration.ZERO));
    assertEquals(Duration.ofHours(24), c.duration("b", Duration.ZERO));
    assertEquals(Duration.ofDays(30), c.duration("c", Duration.ZERO));
    assertTrue(c.bool("d"));
    assertFalse(c.bool("e"));
    assertThrows(ConfigException.class, () -> c.bool("a"));
  }

  @Test
  void secretsAreReadFromTheEnvironmentOnlyAndNeverPrinted() {
    // Verifies that secrets are kept out of the config map and out of toString.
    Map<String, String> env = Map.of("ADMIN_TOKEN", "s3cr3t-admin", "MCP_WEBHOOK_SECRET", "s3cr3t-mcp");
    Secrets s = Secrets.from(env);
    assertEquals("s3cr3t-admin", s.get("ADMIN_TOKEN").orElseThrow());
    assertFalse(s.toString().contains("s3cr3t"), s.toString());
    assertTrue(s.toString().contains("ADMIN_TOKEN=set"));
    Config c = ConfigLoader.load(env);
    assertFalse(c.asMap().values().stream().anyMatch(v -> v.contains("s3cr3t")));
  }
}
