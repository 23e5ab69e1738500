package io.supportpilot.admin;

import io.vertx.core.Future;

/** Whether a name belongs to a live admin identity (a named token or the owner); the desk checks assignees with it. */
public interface AdminNames {

  /** True when {@code name} is the owner or the name of a live token. */
  Future<Boolean> exists(String name);
}
