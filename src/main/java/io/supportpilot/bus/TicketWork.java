package io.supportpilot.bus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Internal to ingestion: the new rows of a committed batch with the {@code ticket_id} each got in the insert
 * (null when none was known), sent to the auto-ticket verticle on {@link Addresses#TICKET_WORK}.
 */
public record TicketWork(List<ErrorEvent> events, List<String> linkedTickets) {

  public TicketWork {
    events = List.copyOf(events);
    linkedTickets = Collections.unmodifiableList(new ArrayList<>(linkedTickets));
  }
}
