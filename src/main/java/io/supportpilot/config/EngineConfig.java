package io.supportpilot.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The foundation's typed configuration: HTTP, Postgres and Kafka. Capabilities read their own sections. */
public record EngineConfig(Http http, Pg pg, Kafka kafka, String publicBaseUrl, Duration shutdownGrace) {

  /** HTTP server settings. */
  public record Http(String host, int port, int instances, long bodyLimitBytes) {
  }

  /** Postgres: an external URL, or an embedded server with its data under {@code dataDir}. */
  public record Pg(Optional<String> url, Path dataDir, int embeddedPort, int poolSize, int pipeliningLimit) {

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
        c.intIn("pg.pool-size", 1, 512), c.intIn("pg.pipelining-limit", 1, 4096));
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
