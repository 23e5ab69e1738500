package io.supportpilot.admin;

import io.supportpilot.web.HttpFailure;
import io.vertx.ext.web.Router;

/** {@code GET /api/admin/support/automation/metrics} and {@code .../timeseries?hours=}: any admin role. */
final class MetricsRoutes {

  private final AutomationMetrics metrics;
  private final AutomationTimeseries timeseries;

  MetricsRoutes(AutomationMetrics metrics, AutomationTimeseries timeseries) {
    this.metrics = metrics;
    this.timeseries = timeseries;
  }

  void mount(Router router) {
    router.get("/api/admin/support/automation/metrics").handler(rc -> {
      AdminPrincipal.of(rc).require(Role.VIEWER);
      metrics.compute().onSuccess(rc::json).onFailure(rc::fail);
    });
    router.get("/api/admin/support/automation/timeseries").handler(rc -> {
      AdminPrincipal.of(rc).require(Role.VIEWER);
      String h = rc.queryParams().get("hours");
      int hours = 24;
      if (h != null) {
        try {
          hours = Integer.parseInt(h);
        } catch (NumberFormatException e) {
          hours = -1;
        }
        if (hours < 1 || hours > 168) {
          throw HttpFailure.badRequest("hours must be a whole number from 1 to 168");
        }
      }
      timeseries.compute(hours).onSuccess(rc::json).onFailure(rc::fail);
    });
  }
}
