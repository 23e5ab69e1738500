package io.supportpilot.desk;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which status a person may move a conversation to from its current one. Resolving goes through
 * {@code POST .../resolve} (it needs a resolution summary), so {@code resolved} is never a PATCH target.
 */
final class StatusTransitions {

  static final Set<String> ALL = Set.of("open", "waiting_support", "waiting_customer", "escalated", "resolved",
      "closed");

  private static final Map<String, Set<String>> ALLOWED = Map.of(
      "open", Set.of("waiting_support", "waiting_customer", "escalated", "closed"),
      "waiting_support", Set.of("open", "waiting_customer", "escalated", "closed"),
      "waiting_customer", Set.of("open", "waiting_support", "escalated", "closed"),
      "escalated", Set.of("open", "waiting_support", "waiting_customer", "closed"),
      "resolved", Set.of("open", "closed"),
      "closed", Set.of("open"));

  private StatusTransitions() {
  }

  /** Null when the move is allowed (or no move), else the reason it is not. */
  static String refusal(String from, String to) {
    if (from.equals(to)) {
      return null;
    }
    if ("resolved".equals(to)) {
      return "resolve with POST /api/admin/conversations/{id}/resolve and a resolution_summary";
    }
    Set<String> allowed = ALLOWED.getOrDefault(from, Set.of());
    return allowed.contains(to) ? null : "a conversation cannot move from " + from + " to " + to
        + " (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")";
  }
}
