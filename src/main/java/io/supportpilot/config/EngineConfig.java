package io.supportpilot.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The foundation's typed configuration: HTTP, Postgres and Kafka. Capabilities read their own sections. */
public record EngineConfig(Http http, Pg pg, Kafka kafka, String publicBaseUrl, Duration shutdownGrace) {

  /** HTTP server settings. */
  public record Http(String host, int port, int instances, long bodyLimitBytes) {
  }

  /**
   * Postgres: an external URL, or an embedded server with its data under {@code dataDir}. {@code durability} is
   * {@code full}, {@code async-commit} or {@code off} (embedded server only); {@code responseTimeout} is how long a
   * store write or probe may go unanswered before the store counts as down.
   */
  public record Pg(Optional<String> url, Path dataDir, int embeddedPort, int poolSize, int pipeliningLimit,
      String durability, Duration connectTimeout, Duration statementTimeout, Duration responseTimeout) {

    /** The defaults for durability and timeouts (full durability, 1 s connect, 30 s statement, 1 s response). */
    public Pg(Optional<String> url, Path dataDir, int embeddedPort, int poolSize, int pipeliningLimit) {
      this(url, dataDir, embeddedPort, poolSize, pipeliningLimit, "full", Duration.ofSeconds(1),
          Duration.ofSeconds(30), Duration.ofSeconds(1));
    }

    /** True when the engine starts its own embedded Postgres. */
    public boolean embedded() {
      return url.isEmpty();
    }
  }

  /** Kafka: set bootstrap servers switch the engine to scaled mode. */
  public record Kafka(Optional<String> bootstrapServers, String topic, int partitions, String groupId, String role) {

    /** True in scaled mode. */
    public boolean enabled() {
      return bootstrapServers.isPresent();
    }
  }

  /** Reads and validates the foundation's keys. */
  public static EngineConfig from(Config c) {
    int cores = Runtime.getRuntime().availableProcessors();
    int instances = c.intIn("http.instances", 0, 256);
    Http http = new Http(
        c.string("http.host"),
        c.intIn("http.port", 0, 65535),
        instances == 0 ? cores : instances,
        c.longIn("http.body-limit-bytes", 1024, 512L * 1024 * 1024));
    Optional<String> url = c.optional("pg.url");
    url.ifPresent(u -> {
      if (!u.startsWith("postgresql://") && !u.startsWith("postgres://")) {
        throw c.invalid("pg.url", "must look like postgresql://user:pass@host:port/db");
      }
    });
    Pg pg = new Pg(url, Path.of(c.string("pg.data-dir")), c.intIn("pg.embedded-port", 0, 65535),
        c.intIn("pg.pool-size", 1, 512), c.intIn("pg.pipelining-limit", 1, 4096),
        c.oneOf("pg.durability", "full", "async-commit", "off"),
        c.duration("pg.connect-timeout", Duration.ofMillis(50)),
        c.duration("pg.statement-timeout", Duration.ofMillis(0)),
        c.duration("pg.response-timeout", Duration.ofMillis(50)));
    Kafka kafka = new Kafka(c.optional("kafka.bootstrap-servers"), c.string("kafka.topic"),
        c.intIn("kafka.partitions", 1, 10_000), c.string("kafka.group-id"),
        c.oneOf("kafka.role", "both", "ingest", "process"));
    String base = c.string("public.base-url");
    if (!base.startsWith("http://") && !base.startsWith("https://")) {
      throw c.invalid("public.base-url", "must start with http:// or https://");
    }
    return new EngineConfig(http, pg, kafka, base.replaceAll("/+$", ""),
        c.duration("shutdown.grace", Duration.ofMillis(0)));
  }
}
