package io.supportpilot.rules;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The automation rules' settings (the {@code rules.*} keys, plus SMTP for e-mail actions); validated at start. */
record RulesConfig(
    boolean enabled,
    Duration scheduleInterval,
    Duration counterFlushInterval,
    Duration runEventsFlushInterval,
    Duration claimDelay,
    Duration reloadInterval,
    int actionConcurrency,
    int maxQueuedRuns,
    int scanLimit,
    int dryRunMax,
    Duration actionDedupeWindow,
    Duration errorWindow,
    Duration ticketWait,
    boolean pipelineTickets,
    String alertEmail,
    Set<String> webhookAllowedHosts,
    Duration webhookTimeout,
    int webhookMaxAttempts,
    Duration webhookRetryBase,
    Duration runsRetention,
    String publicBaseUrl,
    Mail mail) {

  /** SMTP settings for the e-mail action (the same keys the agent's mailer reads). */
  record Mail(String host, int port, String starttls, boolean ssl, String from, Optional<String> user,
      Optional<String> password) {

    @Override
    public String toString() {
      return "smtp " + host + ":" + port + (user.isPresent() ? " (with login)" : "");
    }
  }

  static RulesConfig from(Config c, Secrets secrets) {
    return new RulesConfig(
        !c.has("rules.enabled") || c.bool("rules.enabled"),
        duration(c, "rules.schedule-interval", Duration.ofMillis(100), Duration.ofSeconds(60)),
        duration(c, "rules.counter-flush-interval", Duration.ofMillis(10), Duration.ofSeconds(1)),
        duration(c, "rules.run-events-flush-interval", Duration.ofMillis(10), Duration.ofSeconds(30)),
        duration(c, "rules.claim-delay", Duration.ofMillis(1), Duration.ofMillis(20)),
        duration(c, "rules.reload-interval", Duration.ofMillis(100), Duration.ofSeconds(5)),
        c.has("rules.action-concurrency") ? c.intIn("rules.action-concurrency", 1, 1024) : 16,
        c.has("rules.max-queued-runs") ? c.intIn("rules.max-queued-runs", 1, 10_000_000) : 10_000,
        c.has("rules.scan-limit") ? c.intIn("rules.scan-limit", 1, 1_000_000) : 5_000,
        c.has("rules.dry-run-max") ? c.intIn("rules.dry-run-max", 1, 1_000_000) : 10_000,
        duration(c, "rules.action-dedupe-window", Duration.ZERO, Duration.ofMinutes(10)),
        duration(c, "rules.error-window", Duration.ZERO, Duration.ofMinutes(10)),
        duration(c, "rules.ticket-wait", Duration.ofMillis(1), Duration.ofMillis(500)),
        !c.has("tickets.enabled") || c.bool("tickets.enabled"),
        c.string("rules.alert-email", "").trim(),
        Arrays.stream(c.string("rules.webhook-allowed-hosts", "").split(","))
            .map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet()),
        duration(c, "rules.webhook-timeout", Duration.ofMillis(10), Duration.ofSeconds(5)),
        c.has("rules.webhook-max-attempts") ? c.intIn("rules.webhook-max-attempts", 1, 20) : 4,
        duration(c, "rules.webhook-retry-base", Duration.ofMillis(1), Duration.ofMillis(500)),
        duration(c, "rules.runs-retention", Duration.ofHours(1), Duration.ofDays(30)),
        c.string("public.base-url", "http://localhost:8080"),
        new Mail(c.string("smtp.host", "localhost"),
            c.has("smtp.port") ? c.intIn("smtp.port", 1, 65535) : 25,
            c.has("smtp.starttls") ? c.oneOf("smtp.starttls", "disabled", "optional", "required") : "optional",
            c.has("smtp.ssl") && c.bool("smtp.ssl"),
            c.string("mail.from", "support@supportpilot.local"),
            secrets.get("SMTP_USER"), secrets.get("SMTP_PASSWORD")));
  }

  private static Duration duration(Config c, String key, Duration min, Duration fallback) {
    return c.has(key) ? c.duration(key, min) : fallback;
  }
}
