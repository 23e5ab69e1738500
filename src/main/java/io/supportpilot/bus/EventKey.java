package io.supportpilot.bus;

import java.util.Objects;

/**
 * The identity of a stored error, {@code (source, event_id)}, as a map key: two references, no concatenated
 * string per event (the dedupe cache and the writer look every event up by it).
 */
public record EventKey(String source, String eventId) {

  /** The key of an event. */
  public static EventKey of(ErrorEvent e) {
    return new EventKey(e.source(), e.eventId());
  }

  // Written out, not generated: a record's generated equals and hashCode run through method handles that the
  // JIT cannot inline where a map's lookup calls keys of many classes; in the flame graph of the batch phase
  // they cost more than the comparisons themselves (KeyHashBenchmark).
  @Override
  public boolean equals(Object o) {
    return o == this
        || o instanceof EventKey k && Objects.equals(eventId, k.eventId) && Objects.equals(source, k.source);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hashCode(source) + Objects.hashCode(eventId);
  }
}
