package io.supportpilot.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real embedded Postgres server per test JVM, started on first use; each test class gets a database of
 * its own, so classes are isolated without paying for a server each.
 */
public final class TestDatabase {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestDatabase() {
  }

  /** The shared server, started on first use. */
  public static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
      } catch (IOException e) {
        throw new IllegalStateException("cannot start embedded Postgres for tests", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.close();
        } catch (IOException ignored) {
          // the JVM is going away
        }
      }));
    }
    return server;
  }

  /** Creates a fresh, empty database and returns its postgresql:// URL. */
  public static String freshDatabase(String hint) {
    EmbeddedPostgres pg = server();
    String name = ("t_" + hint.replaceAll("[^A-Za-z0-9]", "_") + "_" + COUNTER.incrementAndGet()).toLowerCase();
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return "postgresql://postgres:postgres@localhost:" + pg.getPort() + "/" + name;
  }

  /** Runs SQL statements on a database URL over JDBC (test set-up and checks only). */
  public static void exec(String url, String... sql) {
    try (Connection c = connect(url); Statement s = c.createStatement()) {
      for (String q : sql) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A single long value from a query over JDBC. */
  public static long queryLong(String url, String sql) {
    try (Connection c = connect(url); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JDBC connection to a postgresql:// URL. */
  public static Connection connect(String url) throws SQLException {
    var u = io.supportpilot.store.Migrations.PgUrl.parse(url);
    return java.sql.DriverManager.getConnection(u.jdbcUrl(), u.user(), u.password());
  }

  /** Deletes a folder a test created (e.g. the data folder of its own Postgres server), best effort. */
  public static void deleteTree(java.nio.file.Path dir) {
    try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException ignored) {
      // best effort: a leftover temp folder is not a test failure
    }
  }

  /** A SQL {@code IN} list of quoted ids ({@code ('a','b')}); for test-generated ids only, never user input. */
  public static String inList(java.util.Collection<String> ids) {
    StringBuilder sb = new StringBuilder("(");
    for (String s : ids) {
      sb.append(sb.length() > 1 ? "," : "").append('\'').append(s).append('\'');
    }
    return sb.append(')').toString();
  }
}
