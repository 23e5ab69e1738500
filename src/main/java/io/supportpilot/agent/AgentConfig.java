package io.supportpilot.agent;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import java.time.Duration;
import java.util.Optional;

/** The support agent's typed configuration: Claude gateway, tool loop caps, follow-ups and customer e-mail. */
public record AgentConfig(Anthropic anthropic, Loop loop, Mail mail, String publicBaseUrl) {

  /** The Messages API and the gateway's limits. The key is optional: without it the offline agent answers. */
  public record Anthropic(String baseUrl, String model, String version, int maxTokens, Duration requestTimeout,
      int requestsPerSecond, int maxConcurrent, int maxQueue, int maxRetries, Duration retryBaseDelay,
      Duration maxRetryAfter, long dailyTokenBudget, int breakerFailureRate, int breakerWindow,
      Duration breakerOpenFor, Optional<String> apiKey) {

    @Override
    public String toString() {
      return "Anthropic[" + baseUrl + ", " + model + ", key " + (apiKey.isPresent() ? "set" : "unset") + "]";
    }
  }

  /** The agent's own caps and schedules. */
  public record Loop(boolean enabled, int maxIterations, long maxTokensPerRun, long maxTokensPerConversation,
      Duration dedupeWindow,
      long dedupeMaxEntries, Duration followUpAfter, Duration scanInterval, Duration retryAfter, boolean offlineOnly,
      int maxConcurrentRuns, int maxQueued) {
  }

  /** SMTP for customer e-mail (re-auth links). */
  public record Mail(String host, int port, String starttls, boolean ssl, String from, Optional<String> user,
      Optional<String> password) {

    @Override
    public String toString() {
      return "Mail[" + host + ":" + port + ", from " + from + "]";
    }
  }

  /** Reads and validates the agent's keys; a bad value stops start-up naming the key. */
  public static AgentConfig from(Config c, Secrets secrets) {
    String base = c.string("anthropic.base-url").replaceAll("/+$", "");
    if (!base.startsWith("http://") && !base.startsWith("https://")) {
      throw c.invalid("anthropic.base-url", "must start with http:// or https://");
    }
    Anthropic a = new Anthropic(base, c.string("anthropic.model"), c.string("anthropic.version"),
        c.intIn("anthropic.max-tokens", 16, 64_000), c.duration("anthropic.request-timeout", Duration.ofMillis(100)),
        c.intIn("anthropic.requests-per-second", 1, 1000), c.intIn("anthropic.max-concurrent", 1, 256),
        c.intIn("anthropic.max-queue", 1, 1_000_000), c.intIn("anthropic.max-retries", 0, 10),
        c.duration("anthropic.retry-base-delay", Duration.ofMillis(1)),
        c.duration("anthropic.max-retry-after", Duration.ofSeconds(1)),
        c.longIn("anthropic.daily-token-budget", 0, Long.MAX_VALUE / 4),
        c.intIn("anthropic.breaker-failure-rate", 1, 100), c.intIn("anthropic.breaker-window", 2, 10_000),
        c.duration("anthropic.breaker-open-for", Duration.ofMillis(10)), secrets.get("ANTHROPIC_API_KEY"));
    Loop l = new Loop(c.bool("agent.enabled"), c.intIn("agent.max-iterations", 1, 50),
        c.longIn("agent.max-tokens-per-run", 100, 10_000_000),
        c.longIn("agent.max-tokens-per-conversation", 100, 100_000_000), c.duration("agent.dedupe-window", Duration.ofSeconds(1)),
        c.longIn("agent.dedupe-max-entries", 1, 10_000_000), c.duration("agent.follow-up-after", Duration.ofSeconds(1)),
        c.duration("agent.scan-interval", Duration.ofMillis(10)), c.duration("agent.retry-after", Duration.ofMillis(100)),
        c.bool("agent.offline-only"), c.intIn("agent.max-concurrent-runs", 1, 256),
        c.intIn("agent.max-queued", 1, 10_000_000));
    String from = c.string("mail.from");
    if (!from.contains("@")) {
      throw c.invalid("mail.from", "must be an e-mail address");
    }
    Mail m = new Mail(c.string("smtp.host"), c.intIn("smtp.port", 1, 65535),
        c.oneOf("smtp.starttls", "disabled", "optional", "required"), c.bool("smtp.ssl"), from,
        secrets.get("SMTP_USER"), secrets.get("SMTP_PASSWORD"));
    String pub = c.string("public.base-url").replaceAll("/+$", "");
    return new AgentConfig(a, l, m, pub);
  }
}
