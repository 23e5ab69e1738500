package io.supportpilot.desk;

import io.supportpilot.admin.AdminNames;
import io.supportpilot.config.Config;
import io.supportpilot.web.Capability;
import io.supportpilot.web.EngineContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.function.Supplier;

/**
 * The human desk: the conversation queue for admins and agents (list, detail, replies, notes, assignment, resolution),
 * customers upserted and erased by the portal, and the e-mail of human replies the customer has not read.
 */
public final class DeskCapability implements Capability {

  private final DeskConfig cfg;
  private final Supplier<AdminNames> adminNames;
  private DeskStore store;
  private CustomerStore customers;
  private AdminNames names;
  private String deployment;
  private Vertx vertx;

  /**
   * Validates the desk's config section; {@code adminNames} (the admin capability's, which starts first) is asked
   * for in {@code start}.
   */
  public DeskCapability(Config config, Supplier<AdminNames> adminNames) {
    this.cfg = DeskConfig.from(config);
    this.adminNames = adminNames;
  }

  @Override
  public String name() {
    return "desk";
  }

  @Override
  public Future<Void> start(EngineContext ctx) {
    vertx = ctx.vertx();
    store = new DeskStore(ctx.pool(), ctx.clock(), cfg.replyMailAfter());
    customers = new CustomerStore(ctx.pool(), ctx.clock());
    names = adminNames.get();
    return ctx.vertx().deployVerticle(new ReplyMailer(ctx.pool(), ctx.clock(), cfg.replyMailScan()))
        .map(id -> {
          deployment = id;
          return null;
        });
  }

  @Override
  public void routes(Router router, EngineContext ctx) {
    new DeskRoutes(store, names, ctx.clock()).mount(router);
    new CustomerRoutes(customers).mount(router);
  }

  @Override
  public Future<Void> stop() {
    return deployment == null ? Future.succeededFuture()
        : vertx.undeploy(deployment).recover(e -> Future.succeededFuture());
  }
}
