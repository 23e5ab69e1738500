package io.supportpilot.bus;

import io.vertx.core.buffer.Buffer;

/**
 * A spike lifecycle change, published on {@link Addresses#SPIKES}: the SSE event id, the event name
 * ({@code spike.started}, {@code spike.updated}, {@code spike.ended}), the summary, the JSON payload and the
 * ready-made SSE frame (UTF-8 bytes; never modify them).
 */
public record SpikeChange(long id, String event, SpikeSummary summary, String json, Buffer frame) {

  /** A spike opened. */
  public static final String STARTED = "spike.started";
  /** An open spike's counts changed (throttled). */
  public static final String UPDATED = "spike.updated";
  /** A spike ended. */
  public static final String ENDED = "spike.ended";
  /** Sent without an id to a new subscriber, once per spike open at that moment. */
  public static final String ACTIVE = "spike.active";

  /** A change with its SSE frame: {@code id}, {@code event} and one {@code data} line (the JSON has no newlines). */
  public static SpikeChange of(long id, String event, SpikeSummary summary, String json) {
    // Encoded once: every subscriber is sent the same bytes.
    return new SpikeChange(id, event, summary, json,
        Buffer.buffer("id: " + id + "\nevent: " + event + "\ndata: " + json + "\n\n"));
  }
}
