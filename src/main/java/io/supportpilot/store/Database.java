package io.supportpilot.store;

import io.supportpilot.config.EngineConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Builds the shared reactive Postgres pool. */
public final class Database {

  private Database() {
  }

  /** A pool on the given URI, sized and pipelined from the config. */
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
    PoolOptions pool = new PoolOptions()
        .setMaxSize(pg.poolSize())
        .setMaxWaitQueueSize(10_000)
        .setConnectionTimeout(5)
        .setName("supportpilot-pg")
        .setShared(false);
    return PgBuilder.pool().with(pool).connectingTo(connect).using(vertx).build();
  }
}
