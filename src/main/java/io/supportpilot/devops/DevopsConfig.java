package io.supportpilot.devops;

import io.supportpilot.config.Config;
import io.supportpilot.config.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The DevOps agent's typed configuration: Sentry and GitHub endpoints (tokens from the environment only), the
 * queue, the fix safety rails (branch prefix, path allow/deny lists, caps) and the follow-up schedules.
 */
record DevopsConfig(boolean enabled, boolean offlineOnly, int concurrency, int maxQueue, double prThreshold,
    Duration retriggerAfter, Duration scanInterval, Duration runTimeout, Duration prPollInterval, int maxIterations,
    long maxTokensPerRun, int maxAttempts, Sentry sentry, GitHub github, Fixes fixes, Http http) {

  /** The Sentry API: base URL, optional organisation slug, and the token (env SENTRY_API_TOKEN). */
  record Sentry(String baseUrl, String organization, Optional<String> token) {

    @Override
    public String toString() {
      return "Sentry[" + baseUrl + ", token " + (token.isPresent() ? "set" : "unset") + "]";
    }
  }

  /** The GitHub REST API, the one repository the agent may touch, and the token (env GITHUB_TOKEN). */
  record GitHub(String apiUrl, String repository, String apiVersion, Optional<String> token) {

    boolean usable() {
      return token.isPresent() && !repository.isEmpty();
    }

    @Override
    public String toString() {
      return "GitHub[" + apiUrl + ", " + (repository.isEmpty() ? "no repository" : repository) + ", token "
          + (token.isPresent() ? "set" : "unset") + "]";
    }
  }

  /** What a fix pull request may touch. */
  record Fixes(String branchPrefix, List<String> allowPaths, List<String> denyPaths, int maxFiles,
      int maxChangedLines, int maxFileBytes) {
  }

  /** Outbound HTTP limits shared by the Sentry and GitHub gateways. */
  record Http(Duration timeout, int maxConcurrent, int maxRetries, Duration maxRetryAfter,
      Duration secondaryLimitWait) {
  }

  /** Reads and validates the {@code devops.*}, {@code sentry.*} and {@code github.*} keys. */
  static DevopsConfig from(Config c, Secrets secrets) {
    String sentryBase = url(c, "sentry.base-url");
    String githubApi = url(c, "github.api-url");
    String repo = c.string("github.repository", "").trim();
    if (!repo.isEmpty() && !repo.matches("[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")) {
      throw c.invalid("github.repository", "must be owner/name");
    }
    String prefix = c.string("devops.branch-prefix").trim();
    if (!prefix.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*/") || prefix.contains("..")) {
      throw c.invalid("devops.branch-prefix", "must be a branch path ending in '/', such as supportpilot/fix/");
    }
    Fixes fixes = new Fixes(prefix, list(c.string("devops.allow-paths", "")), list(c.string("devops.deny-paths", "")),
        c.intIn("devops.max-files", 1, 50), c.intIn("devops.max-changed-lines", 1, 5000),
        c.intIn("devops.max-file-bytes", 1024, 1_000_000));
    if (fixes.allowPaths().isEmpty()) {
      throw c.invalid("devops.allow-paths", "must name at least one path pattern (such as **)");
    }
    Http http = new Http(c.duration("devops.http-timeout", Duration.ofMillis(100)),
        c.intIn("devops.http-max-concurrent", 1, 64), c.intIn("devops.http-max-retries", 0, 10),
        c.duration("devops.max-retry-after", Duration.ofMillis(1)),
        c.duration("devops.secondary-limit-wait", Duration.ofMillis(1)));
    return new DevopsConfig(c.bool("devops.enabled"), c.bool("devops.offline-only"),
        c.intIn("devops.concurrency", 1, 32), c.intIn("devops.max-queue", 1, 1_000_000),
        c.doubleIn("devops.pr-confidence", 0.0, 1.0), c.duration("devops.retrigger-after", Duration.ZERO),
        c.duration("devops.scan-interval", Duration.ofMillis(10)), c.duration("devops.run-timeout", Duration.ofSeconds(1)),
        c.duration("devops.pr-poll-interval", Duration.ofMillis(10)), c.intIn("devops.max-iterations", 1, 50),
        c.longIn("devops.max-tokens-per-run", 100, 10_000_000), c.intIn("devops.max-attempts", 1, 20),
        new Sentry(sentryBase, c.string("sentry.organization", "").trim(), secrets.get("SENTRY_API_TOKEN")),
        new GitHub(githubApi, repo, c.string("github.api-version"), secrets.get("GITHUB_TOKEN")), fixes, http);
  }

  private static String url(Config c, String key) {
    String v = c.string(key).trim().replaceAll("/+$", "");
    if (!v.startsWith("http://") && !v.startsWith("https://")) {
      throw c.invalid(key, "must start with http:// or https://");
    }
    return v;
  }

  private static List<String> list(String raw) {
    List<String> out = new ArrayList<>();
    for (String s : raw.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return List.copyOf(out);
  }
}
