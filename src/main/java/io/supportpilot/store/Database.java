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
    Migrations.PgUrl u = Migrations.PgUrl.parse(url);
    PgConnectOptions connect = new PgConnectOptions()
        .setHost(u.host())
        .setPort(u.port())
        .setDatabase(u.database())
        .setUser(u.user())
        .setPassword(u.password())
        .setPipeliningLimit(pg.pipeliningLimit())
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
        .setMaxSize(pg.poolSize())
        .setMaxWaitQueueSize(10_000)
        .setConnectionTimeout(5)
        .setName("supportpilot-pg")
        .setShared(false);
    return PgBuilder.pool().with(pool).with(tcp).connectingTo(connect).using(vertx).build();
  }
}
