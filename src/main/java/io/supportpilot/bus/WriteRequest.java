package io.supportpilot.store;

import io.supportpilot.bus.ErrorEvent;
import java.util.List;

/** Events to store, sent to {@link ErrorEventWriter#ADDRESS}; the reply is a {@link WriteResult}. */
public record WriteRequest(List<ErrorEvent> events) {

  public WriteRequest {
    events = List.copyOf(events);
  }
}
