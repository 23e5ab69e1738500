package io.supportpilot.admin;

import io.vertx.core.http.HttpMethod;

/**
 * The role each admin route needs: viewers read everything (and may ask triage, open the spike stream and read the
 * metrics), agents also work conversations and mark notifications read, admins manage tokens and change anything
 * else (articles, patterns).
 */
final class RolePolicy {

  private RolePolicy() {
  }

  static Role required(HttpMethod method, String path) {
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
    if (path.startsWith("/api/admin/tokens")) {
      return Role.ADMIN;
    }
    if (path.startsWith("/api/admin/conversations") || path.startsWith("/api/admin/notifications")) {
      return read ? Role.VIEWER : Role.AGENT;
    }
    if (path.equals("/api/triage") || path.startsWith("/api/triage/") || path.equals("/api/admin/me")
        || path.startsWith("/api/admin/support/automation/") || path.equals("/api/admin/spikes/stream-token")) {
      return Role.VIEWER;
    }
    return read ? Role.VIEWER : Role.ADMIN;
  }
}
