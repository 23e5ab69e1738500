package io.supportpilot.store;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the Flyway migrations in {@code classpath:db/migration}. Blocking JDBC: run before the verticles. */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {
  }

  /** Migrates the database at the given {@code postgresql://} URI to the newest schema. */
  public static MigrateResult migrate(String pgUrl) {
    PgUrl u = PgUrl.parse(pgUrl);
    Flyway flyway = Flyway.configure()
        .dataSource(u.jdbcUrl(), u.user(), u.password())
        .locations("classpath:db/migration")
        .connectRetries(10)
        .load();
    MigrateResult result = flyway.migrate();
    LOG.info("schema at version {} ({} migrations applied now)", result.targetSchemaVersion == null
        ? flyway.info().current().getVersion() : result.targetSchemaVersion, result.migrationsExecuted);
    return result;
  }

  /** A parsed {@code postgresql://user:pass@host:port/db?options} URI. */
  public record PgUrl(String host, int port, String database, String user, String password, String query) {

    /** Parses the URI; fails with a message that does not repeat the password. */
    public static PgUrl parse(String url) {
      try {
        URI uri = URI.create(url.replaceFirst("^postgres(ql)?://", "http://"));
        String userInfo = uri.getRawUserInfo() == null ? "postgres" : uri.getRawUserInfo();
        String user = userInfo;
        String password = "";
        int colon = userInfo.indexOf(':');
        if (colon >= 0) {
          user = userInfo.substring(0, colon);
          password = userInfo.substring(colon + 1);
        }
        user = URLDecoder.decode(user, StandardCharsets.UTF_8);
        password = URLDecoder.decode(password, StandardCharsets.UTF_8);
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        return new PgUrl(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), db, user, password,
            uri.getRawQuery());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("PG_URL is not a valid postgresql:// URI");
      }
    }

    /** The JDBC form, for Flyway. */
    public String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database + (query == null ? "" : "?" + query);
    }

    @Override
    public String toString() {
      return "postgresql://" + user + ":***@" + host + ":" + port + "/" + database;
    }
  }
}
