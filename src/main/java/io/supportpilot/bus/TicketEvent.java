package io.supportpilot.bus;

/**
 * An auto-ticket was created for a (user, fingerprint), or context was added to the open one.
 * {@code kind} is {@code created} or {@code updated}; {@code sample} is the newest error.
 */
public record TicketEvent(String kind, String conversationId, String userId, String fingerprint, String errorType,
    long occurrenceCount, ErrorEvent sample) {

  public static final String CREATED = "created";
  public static final String UPDATED = "updated";
}
