package io.supportpilot.proactive;

import io.supportpilot.config.Config;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;

/**
 * Typed configuration of proactive support ({@code proactive.*}) and usage ingestion ({@code usage.*}), read and
 * validated when the capability is built so a bad value stops start-up.
 */
record ProactiveConfig(
    boolean enabled,
    Duration scanInterval,
    int scanBatchSize,
    Duration warnBefore,
    Duration refreshInactivity,
    Duration expiredNoticeWindow,
    List<String> exemptPlans,
    long minCalls30d,
    Duration inactiveFor,
    Duration errorsLookback,
    Duration minHistory,
    int baselineWeeks,
    int missedUsualDays,
    double usualDayShare,
    ZoneId zone,
    int usageBatchMaxItems,
    long usageBodyLimitBytes,
    int usageWriteBatchSize,
    Duration usageWriteBatchDelay,
    int usageWriterConcurrency,
    int usageMaxInFlight,
    Duration usageRetention,
    Duration usageHourlyRetention,
    Duration usageRetentionInterval,
    Duration usageRollupInterval,
    int usageRollupBatch,
    long usageMaxPendingCalls,
    Duration maxSkew,
    String publicBaseUrl,
    String mailFrom) {

  static ProactiveConfig from(Config c) {
    String zone = c.string("proactive.usage.timezone", "Europe/Amsterdam");
    ZoneId z;
    try {
      z = ZoneId.of(zone);
    } catch (RuntimeException e) {
      throw c.invalid("proactive.usage.timezone", "must be a time zone such as Europe/Amsterdam, got '" + zone + "'");
    }
    return new ProactiveConfig(
        c.bool("proactive.enabled"),
        c.duration("proactive.scan-interval", Duration.ofMillis(100)),
        c.intIn("proactive.scan-batch-size", 1, 1_000_000),
        c.duration("proactive.token.warn-before", Duration.ofHours(1)),
        c.duration("proactive.token.refresh-inactivity", Duration.ofDays(1)),
        c.duration("proactive.token.expired-notice-window", Duration.ZERO),
        Arrays.stream(c.string("proactive.usage.exempt-plans", "free").split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).toList(),
        c.longIn("proactive.usage.min-calls-30d", 0, Long.MAX_VALUE),
        c.duration("proactive.usage.inactive-for", Duration.ofHours(1)),
        c.duration("proactive.usage.errors-lookback", Duration.ofHours(1)),
        c.duration("proactive.usage.min-history", Duration.ZERO),
        c.intIn("proactive.usage.baseline-weeks", 1, 12),
        c.intIn("proactive.usage.missed-usual-days", 0, 7),
        c.doubleIn("proactive.usage.usual-day-share", 0.01, 1.0),
        z,
        c.intIn("usage.batch-max-items", 1, 1_000_000),
        c.longIn("usage.batch-body-limit-bytes", 1024, 512L * 1024 * 1024),
        c.intIn("usage.write-batch-size", 1, 100_000),
        c.duration("usage.write-batch-delay", Duration.ZERO),
        c.intIn("usage.writer-concurrency", 1, 64),
        c.intIn("usage.max-in-flight", 1, 100_000_000),
        c.duration("usage.retention", Duration.ofHours(2)),
        c.duration("usage.hourly-retention", Duration.ofDays(1)),
        c.duration("usage.retention-interval", Duration.ofMillis(100)),
        c.duration("usage.rollup-interval", Duration.ofMillis(10)),
        c.intIn("usage.rollup-batch", 1, 10_000),
        c.longIn("usage.max-pending-calls", 1, Long.MAX_VALUE),
        c.duration("ingest.max-skew", Duration.ofSeconds(1)),
        c.string("public.base-url").replaceAll("/+$", ""),
        c.string("mail.from"));
  }
}
