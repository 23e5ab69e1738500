package io.supportpilot.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Postgres server the engine starts itself (zonky embedded binaries), its data kept in a folder that
 * survives restarts. Blocking: call it before Vert.x starts, or from a worker.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;

  private EmbeddedDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts Postgres with its data in {@code dataDir} (created when missing), on {@code port} (0 = free). */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    try {
      Path dir = dataDir.toAbsolutePath();
      Files.createDirectories(dir);
      boolean fresh = !Files.exists(dir.resolve("PG_VERSION"));
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setServerConfig("max_connections", "200")
          .setServerConfig("shared_buffers", "256MB")
          .setServerConfig("synchronous_commit", "on");
      if (port > 0) {
        builder.setPort(port);
      }
      long t0 = System.nanoTime();
      EmbeddedPostgres pg = builder.start();
      LOG.info("embedded Postgres started on port {} with data in {} ({}, {} ms)", pg.getPort(), dir,
          fresh ? "new cluster" : "existing data", (System.nanoTime() - t0) / 1_000_000);
      return new EmbeddedDatabase(pg);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded Postgres in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** The server's port on localhost. */
  public int port() {
    return postgres.getPort();
  }

  /** The connection URI of the {@code postgres} database as user {@code postgres}. */
  public String url() {
    return "postgresql://postgres:postgres@localhost:" + port() + "/postgres";
  }

  @Override
  public void close() {
    try {
      postgres.close();
      LOG.info("embedded Postgres stopped");
    } catch (IOException e) {
      LOG.warn("embedded Postgres did not stop cleanly: {}", e.getMessage());
    }
  }
}
