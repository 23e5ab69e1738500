package io.supportpilot.devops;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * Admin reads of the DevOps tasks: {@code GET /api/admin/devops/tasks?status=&limit=} (newest first, with the
 * outcome and the linked PR) and {@code GET /api/admin/devops/tasks/{id}} (plus details and analysis). Any admin
 * role may read; the engine's admin auth runs first.
 */
final class DevopsRoutes {

  private static final Set<String> STATUSES = Set.of("open", "in_progress", "done", "dismissed");

  private final DevopsTasks tasks;

  DevopsRoutes(DevopsTasks tasks) {
    this.tasks = tasks;
  }

  void mount(Router router) {
    router.get("/api/admin/devops/tasks").handler(this::list);
    router.get("/api/admin/devops/tasks/:id").handler(rc -> tasks.get(rc.pathParam("id")).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else if (ar.result().isEmpty()) {
        rc.fail(HttpFailure.notFound("no DevOps task with id " + rc.pathParam("id")));
      } else {
        rc.json(ar.result().get());
      }
    }));
  }

  private void list(RoutingContext rc) {
    String status = rc.request().getParam("status");
    if (status != null && !STATUSES.contains(status)) {
      rc.fail(HttpFailure.badRequest("status must be one of open, in_progress, done, dismissed"));
      return;
    }
    int limit = 50;
    String raw = rc.request().getParam("limit");
    if (raw != null) {
      try {
        limit = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 500) {
        rc.fail(HttpFailure.badRequest("limit must be a number from 1 to 500"));
        return;
      }
    }
    tasks.list(status, limit).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else {
        rc.json(new JsonObject().put("items", ar.result()));
      }
    });
  }
}
