package io.supportpilot.proactive;

import io.supportpilot.admin.AdminPrincipal;
import io.supportpilot.admin.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * {@code GET /api/admin/proactive} (any admin role): the last scan, warning outcomes and recent proactive work;
 * {@code POST /api/admin/proactive/scan} (admin): runs a scan now on this instance (skipped when another holds the lock).
 */
final class ProactiveRoutes {

  private final Vertx vertx;
  private final Pool pool;
  private final Clock clock;

  ProactiveRoutes(Vertx vertx, Pool pool, Clock clock) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
  }

  void mount(Router router) {
    router.get("/api/admin/proactive").handler(rc -> {
      AdminPrincipal.of(rc).require(Role.VIEWER);
      overview().onSuccess(rc::json).onFailure(rc::fail);
    });
    router.post("/api/admin/proactive/scan").handler(rc -> {
      AdminPrincipal.of(rc).require(Role.ADMIN);
      vertx.eventBus().<JsonObject>request(ProactiveScheduler.RUN_NOW, null,
              new DeliveryOptions().setSendTimeout(Duration.ofMinutes(10).toMillis()))
          .onSuccess(m -> rc.json(m.body()))
          .onFailure(rc::fail);
    });
  }

  private Future<JsonObject> overview() {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    Future<RowSet<Row>> scan = pool.query("SELECT instance, started_at, finished_at, result FROM proactive_scans "
        + "WHERE scan = 'proactive'").execute();
    Future<RowSet<Row>> outcomes = pool.preparedQuery("SELECT kind, COALESCE(outcome, 'open'), count(*) FROM "
        + "proactive_token_warnings WHERE warned_at > $1 GROUP BY 1, 2").execute(Tuple.of(now.minusDays(30)));
    Future<RowSet<Row>> recent = pool.query("SELECT connection_id, user_id, kind, expires_at, conversation_id, "
        + "warned_at, outcome FROM proactive_token_warnings ORDER BY warned_at DESC LIMIT 20").execute();
    Future<RowSet<Row>> drops = pool.query("SELECT user_id, last_activity_at, conversation_id, detected_at, "
        + "details -> 'missed_usual_days' AS missed, details -> 'calls_30d' AS calls FROM proactive_activity_drops "
        + "ORDER BY detected_at DESC LIMIT 20").execute();
    return Future.all(scan, outcomes, recent, drops).map(x -> {
      JsonObject out = new JsonObject();
      Row s = scan.result().size() == 0 ? null : scan.result().iterator().next();
      out.put("last_scan", s == null ? null : new JsonObject().put("instance", s.getString("instance"))
          .put("started_at", str(s.getOffsetDateTime("started_at")))
          .put("finished_at", str(s.getOffsetDateTime("finished_at"))).put("result", s.getValue("result")));
      JsonObject counts = new JsonObject();
      for (Row r : outcomes.result()) {
        JsonObject k = counts.getJsonObject(r.getString(0), new JsonObject());
        counts.put(r.getString(0), k.put(r.getString(1), r.getLong(2)));
      }
      out.put("token_warnings_30d", counts);
      JsonArray warnings = new JsonArray();
      for (Row r : recent.result()) {
        warnings.add(new JsonObject().put("connection_id", r.getString("connection_id"))
            .put("user_id", r.getString("user_id")).put("kind", r.getString("kind"))
            .put("expires_at", str(r.getOffsetDateTime("expires_at")))
            .put("conversation_id", r.getString("conversation_id"))
            .put("warned_at", str(r.getOffsetDateTime("warned_at"))).put("outcome", r.getString("outcome")));
      }
      JsonArray dropList = new JsonArray();
      for (Row r : drops.result()) {
        dropList.add(new JsonObject().put("user_id", r.getString("user_id"))
            .put("last_activity_at", str(r.getOffsetDateTime("last_activity_at")))
            .put("conversation_id", r.getString("conversation_id"))
            .put("detected_at", str(r.getOffsetDateTime("detected_at")))
            .put("missed_usual_days", r.getValue("missed")).put("calls_30d", r.getValue("calls")));
      }
      return out.put("recent_token_warnings", warnings).put("recent_activity_drops", dropList);
    });
  }

  private static String str(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
