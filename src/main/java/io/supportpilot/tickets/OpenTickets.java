package io.supportpilot.tickets;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Instant;

/**
 * The open auto-ticket of each (user, fingerprint) that this instance knows, in a bounded Caffeine cache in
 * front of Postgres. {@link AutoTicketVerticle} maintains it; the error writer reads it to set
 * {@code ticket_id} already in the insert (so most log rows never need a second write). Thread-safe.
 */
public final class OpenTickets {

  /** A cached open ticket and when its last "occurred again" message was written. */
  static final class Ticket {
    final String id;
    volatile Instant lastMessageAt;

    Ticket(String id, Instant lastMessageAt) {
      this.id = id;
      this.lastMessageAt = lastMessageAt;
    }
  }

  // Keyed by the pair itself: the error writer asks once per stored event, and a concatenated String key cost a new
  // String and a hash over all of it per lookup; the pair hashes its two Strings, each hash cached on its String.
  private final Cache<AutoTicketStore.UserFingerprint, Ticket> cache;

  /** A cache of at most {@code size} tickets. */
  public OpenTickets(int size) {
    this.cache = Caffeine.newBuilder().maximumSize(size).executor(Runnable::run).build();
  }

  /** The open ticket id of this pair if known here, else null (a null user never has one). */
  public String ticketId(String userId, String fingerprint) {
    if (userId == null || userId.isEmpty()) {
      return null;
    }
    Ticket t = cache.getIfPresent(new AutoTicketStore.UserFingerprint(userId, fingerprint));
    return t == null ? null : t.id;
  }

  Ticket get(AutoTicketStore.UserFingerprint pair) {
    return cache.getIfPresent(pair);
  }

  void put(AutoTicketStore.UserFingerprint pair, Ticket t) {
    cache.put(pair, t);
  }

  void invalidate(AutoTicketStore.UserFingerprint pair) {
    cache.invalidate(pair);
  }
}
