package io.supportpilot.learning;

import io.supportpilot.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/** Tells admins about learning events: a row in {@code admin_notifications} and a bus message, as spikes do. */
final class Notifier {

  private final Vertx vertx;
  private final Pool pool;

  Notifier(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  Future<Void> notify(String kind, String title, JsonObject details) {
    return pool.preparedQuery("INSERT INTO admin_notifications (kind, title, details) VALUES ($1, $2, $3::jsonb)")
        .execute(Tuple.of(kind, title, details))
        .onSuccess(v -> vertx.eventBus().publish(Addresses.ADMIN_NOTIFICATIONS,
            new JsonObject().put("kind", kind).put("title", title).put("details", details)))
        .mapEmpty();
  }
}
