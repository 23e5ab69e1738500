package io.supportpilot.store;

import io.supportpilot.bus.ErrorEvent;
import java.util.List;

/**
 * Internal to ingestion: the new rows of a committed batch with the {@code ticket_id} each got in the insert
 * (null when none was known), sent to the auto-ticket verticle on {@link #ADDRESS}.
 */
public record StoredBatch(List<ErrorEvent> events, List<String> linkedTickets) {

  /** Local event-bus address of the auto-ticket work. */
  public static final String ADDRESS = io.supportpilot.bus.Addresses.TICKET_WORK;

  public StoredBatch {
    events = List.copyOf(events);
    linkedTickets = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(linkedTickets));
  }
}
