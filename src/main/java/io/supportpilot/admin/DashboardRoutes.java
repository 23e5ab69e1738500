package io.supportpilot.admin;

import io.supportpilot.web.SecurityHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * {@code GET /admin/}: the admin dashboard, plain HTML, CSS and JavaScript served from the jar
 * ({@code webroot/admin}) with caching headers and the dashboard's security headers. The page itself holds no
 * data and needs no auth; every API call it makes carries the admin token the user signs in with.
 */
final class DashboardRoutes {

  /** Browsers revalidate after this; the assets are small and change only with a new jar. */
  static final int MAX_AGE_SECONDS = 300;

  private DashboardRoutes() {
  }

  static void mount(Router router) {
    // Vert.x matches "/admin" for "/admin/" too: redirect only the bare path.
    router.get("/admin").handler(rc -> {
      if ("/admin".equals(rc.request().path())) {
        rc.redirect("/admin/");
      } else {
        rc.next();
      }
    });
    router.route("/admin/*").handler(new SecurityHeaders(SecurityHeaders.DASHBOARD_POLICY));
    router.get("/admin/*").handler(StaticHandler.create("webroot/admin")
        .setCachingEnabled(true)
        .setMaxAgeSeconds(MAX_AGE_SECONDS)
        .setDirectoryListing(false)
        .setIncludeHidden(false)
        .setDefaultContentEncoding("UTF-8"));
  }
}
