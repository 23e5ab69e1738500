package io.supportpilot.bus;

/**
 * The identity of a stored error, {@code (source, event_id)}, as a map key: two references, no concatenated
 * string per event (the dedupe cache and the writer look every event up by it).
 */
public record EventKey(String source, String eventId) {

  /** The key of an event. */
  public static EventKey of(ErrorEvent e) {
    return new EventKey(e.source(), e.eventId());
  }
}
