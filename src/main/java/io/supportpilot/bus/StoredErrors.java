package io.supportpilot.bus;

import java.util.List;

/** A batch of errors that has just been committed to Postgres (new rows only, no duplicates). */
public record StoredErrors(List<ErrorEvent> events) {

  public StoredErrors {
    events = List.copyOf(events);
  }
}
