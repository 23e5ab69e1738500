package io.supportpilot.admin;

import java.util.Locale;

/** What an admin identity may do: viewers read, agents also work conversations, admins and the owner do everything. */
public enum Role {
  VIEWER, AGENT, ADMIN, OWNER;

  /** True when this role has at least the rights of {@code other}. */
  public boolean atLeast(Role other) {
    return ordinal() >= other.ordinal();
  }

  /** The lower-case name used in the API and the database. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role a named token may carry (admin, agent, viewer), or null. */
  static Role ofNamedToken(Object s) {
    if ("admin".equals(s)) {
      return ADMIN;
    }
    if ("agent".equals(s)) {
      return AGENT;
    }
    if ("viewer".equals(s)) {
      return VIEWER;
    }
    return null;
  }
}
