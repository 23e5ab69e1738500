package io.supportpilot.bus;

import java.util.List;

/**
 * Events to store, sent to {@link Addresses#ERRORS_WRITE} (the group-commit writers); the reply is a
 * {@link WriteResult}.
 */
public record WriteRequest(List<ErrorEvent> events) {

  public WriteRequest {
    events = List.copyOf(events);
  }
}
