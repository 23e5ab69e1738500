package io.supportpilot.store;

import io.supportpilot.config.EngineConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Builds the shared reactive Postgres pool. */
public final class Database {

  private Database() {
  }

  /**
   * A pool on the given URI, sized and pipelined from the config; connecting gives up after
   * {@code pg.connect-timeout}, and Postgres cancels a statement after {@code pg.statement-timeout}.
   */
  public static Pool pool(Vertx vertx, String url, EngineConfig.Pg pg) {
    return pool(vertx, url, pg, pg.poolSize(), pg.pipeliningLimit(), "supportpilot-pg");
  }

  /**
   * Pools of their own for one component (the per-event-loop error writers): {@code maxSize} connections, one
   * statement each at a time, so statements in flight run on separate backends (group commit) instead of queuing
   * behind each other on one pipelined connection. Build them outside any Vert.x context (at start-up): a pool
   * built inside a verticle is closed with it.
   */
  @FunctionalInterface
  public interface Dedicated {

    /** A new pool of {@code maxSize} unpipelined connections to the engine's database. */
    Pool create(int maxSize, String name);

    /** The factory for the engine's database. */
    static Dedicated of(Vertx vertx, String url, EngineConfig.Pg pg) {
      return (maxSize, name) -> pool(vertx, url, pg, maxSize, 1, name);
    }
  }

  private static Pool pool(Vertx vertx, String url, EngineConfig.Pg pg, int maxSize, int pipelining, String name) {
    Migrations.PgUrl u = Migrations.PgUrl.parse(url);
    PgConnectOptions connect = new PgConnectOptions()
        .setHost(u.host())
        .setPort(u.port())
        .setDatabase(u.database())
        .setUser(u.user())
        .setPassword(u.password())
        .setPipeliningLimit(pipelining)
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(256)
        .setReconnectAttempts(0);
    if (!pg.statementTimeout().isZero()) {
      connect.addProperty("statement_timeout", Long.toString(pg.statementTimeout().toMillis()));
    }
    NetClientOptions tcp = new NetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, pg.connectTimeout().toMillis()))
        .setTcpKeepAlive(true);
    PoolOptions pool = new PoolOptions()
        .setMaxSize(maxSize)
        .setMaxWaitQueueSize(10_000)
        .setConnectionTimeout(5)
        .setName(name)
        .setShared(false);
    return PgBuilder.pool().with(pool).with(tcp).connectingTo(connect).using(vertx).build();
  }
}
