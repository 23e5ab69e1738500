package io.supportpilot.ingest;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import java.time.Duration;
import java.util.Optional;

/**
 * Typed configuration of error ingestion ({@code ingest.*} and {@code tickets.*} in application.yaml), read and
 * validated when the capability is built so a bad value stops start-up.
 */
public record IngestConfig(
    Duration maxSkew,
    long bodyLimitBytes,
    long batchBodyLimitBytes,
    int batchMaxItems,
    int maxJsonDepth,
    int maxStringChars,
    int writeBatchSize,
    Duration writeBatchDelay,
    int writerInstances,
    int writerConcurrency,
    int maxInFlight,
    int retryAfterSeconds,
    Duration storeProbeInterval,
    int dedupeCacheSize,
    int retentionDays,
    int retentionBatchSize,
    Duration retentionInterval,
    int kafkaMaxInFlight,
    int kafkaMaxPollRecords,
    boolean ticketsEnabled,
    int ticketCacheSize,
    Duration contextMessageInterval,
    int ticketMaxQueuedEvents,
    Duration ticketUpdateInterval,
    int ticketMaxDeferredEvents,
    int ticketMaxUpdatesPerSecond) {

  /** Reads and validates the ingestion keys. */
  public static IngestConfig from(Config c) {
    return new IngestConfig(
        c.duration("ingest.max-skew", Duration.ofSeconds(1)),
        c.longIn("ingest.body-limit-bytes", 1024, 64L * 1024 * 1024),
        c.longIn("ingest.batch-body-limit-bytes", 1024, 512L * 1024 * 1024),
        c.intIn("ingest.batch-max-items", 1, 1_000_000),
        c.intIn("ingest.max-json-depth", 4, 1000),
        c.intIn("ingest.max-string-chars", 1024, 100_000_000),
        c.intIn("ingest.write-batch-size", 1, 100_000),
        c.duration("ingest.write-batch-delay", Duration.ofMillis(1)),
        c.intIn("ingest.writer-instances", 1, 64),
        c.intIn("ingest.writer-concurrency", 1, 64),
        c.intIn("ingest.max-in-flight", 1, 10_000_000),
        (int) Math.max(1, c.duration("ingest.retry-after", Duration.ofSeconds(1)).toSeconds()),
        c.duration("ingest.store-probe-interval", Duration.ofMillis(50)),
        c.intIn("ingest.dedupe-cache-size", 0, 100_000_000),
        c.intIn("ingest.retention-days", 1, 36_500),
        c.intIn("ingest.retention-batch-size", 1, 1_000_000),
        c.duration("ingest.retention-interval", Duration.ofMillis(100)),
        c.intIn("ingest.kafka-max-in-flight", 1, 10_000_000),
        c.intIn("ingest.kafka-max-poll-records", 1, 100_000),
        c.bool("tickets.enabled"),
        c.intIn("tickets.cache-size", 1, 100_000_000),
        c.duration("tickets.context-message-interval", Duration.ZERO),
        c.intIn("tickets.max-queued-events", 1, 100_000_000),
        c.duration("tickets.update-interval", Duration.ZERO),
        c.intIn("tickets.max-deferred-events", 1, 10_000_000),
        c.intIn("tickets.max-updates-per-second", 0, 10_000_000));
  }

  /** The MCP webhook secret; empty means the MCP endpoints refuse every request. */
  public static Optional<String> mcpSecret(Secrets s) {
    return s.get("MCP_WEBHOOK_SECRET");
  }

  /** The Sentry client secret; empty means the Sentry endpoint refuses every request. */
  public static Optional<String> sentrySecret(Secrets s) {
    return s.get("SENTRY_CLIENT_SECRET");
  }
}
