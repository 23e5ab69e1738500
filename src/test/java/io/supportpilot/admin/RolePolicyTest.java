package io.supportpilot.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

/** The role each admin route needs. */
class RolePolicyTest {

  // Verifies that viewers read, agents work conversations, and only admins manage tokens or change other things.
  @Test
  void rolesPerRoute() {
    assertEquals(Role.VIEWER, RolePolicy.required(HttpMethod.GET, "/api/admin/conversations"));
    assertEquals(Role.AGENT, RolePolicy.required(HttpMethod.POST, "/api/admin/conversations/x/replies"));
    assertEquals(Role.AGENT, RolePolicy.required(HttpMethod.PATCH, "/api/admin/conversations/x"));
    assertEquals(Role.ADMIN, RolePolicy.required(HttpMethod.GET, "/api/admin/tokens"));
    assertEquals(Role.ADMIN, RolePolicy.required(HttpMethod.POST, "/api/admin/articles"));
    assertEquals(Role.VIEWER, RolePolicy.required(HttpMethod.GET, "/api/admin/articles"));
    assertEquals(Role.VIEWER, RolePolicy.required(HttpMethod.POST, "/api/triage"));
    assertEquals(Role.VIEWER, RolePolicy.required(HttpMethod.POST, "/api/admin/spikes/stream-token"));
    assertEquals(Role.VIEWER, RolePolicy.required(HttpMethod.GET, "/api/admin/support/automation/metrics"));
    assertTrue(Role.OWNER.atLeast(Role.ADMIN));
    assertFalse(Role.AGENT.atLeast(Role.ADMIN));
  }
}
