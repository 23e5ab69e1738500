package io.supportpilot.bus;

import java.time.Instant;

/**
 * One normalised error, from the MCP middleware or Sentry, as stored in {@code support_error_log}.
 * Immutable; {@code contextJson} is the context object as JSON text.
 */
public record ErrorEvent(
    String source,
    String eventId,
    String userId,
    String connectionId,
    String tool,
    String errorType,
    String errorCode,
    Integer statusCode,
    String level,
    String message,
    String stack,
    String contextJson,
    String fingerprint,
    Instant occurredAt,
    Instant receivedAt) {
}
