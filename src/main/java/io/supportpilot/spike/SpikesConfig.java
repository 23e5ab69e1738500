package io.supportpilot.spike;

import io.supportpilot.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Typed configuration of the spike capability: the rule, the lifecycle, the SSE stream and Slack. */
public record SpikesConfig(
    int minCount,
    double ratio,
    Duration closeAfter,
    Duration updateInterval,
    Duration tickInterval,
    int maxKeys,
    boolean fingerprints,
    int sampleCount,
    Duration streamRetry,
    Duration streamHeartbeat,
    int streamBufferSize,
    int streamMaxSubscribers,
    int streamWriteQueueBytes,
    Duration streamTokenTtl,
    Optional<URI> slackWebhookUrl) {

  /** Reads and validates the {@code spikes.*} and {@code slack.*} keys; a bad value stops start-up. */
  public static SpikesConfig from(Config c) {
    Optional<URI> slack = c.optional("slack.webhook-url").map(raw -> {
      try {
        URI u = URI.create(raw);
        if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
          throw new IllegalArgumentException();
        }
        return u;
      } catch (IllegalArgumentException e) {
        // the URL holds a secret path: never echo it
        throw c.invalid("slack.webhook-url", "must be an http(s) URL");
      }
    });
    return new SpikesConfig(
        c.intIn("spikes.min-count", 0, 1_000_000),
        c.doubleIn("spikes.ratio", 0.0, 24.0),
        c.duration("spikes.close-after", Duration.ZERO),
        c.duration("spikes.update-interval", Duration.ZERO),
        c.duration("spikes.tick-interval", Duration.ofMillis(10)),
        c.intIn("spikes.max-keys", 1, 10_000_000),
        c.bool("spikes.fingerprints"),
        c.intIn("spikes.sample-count", 0, 50),
        c.duration("spikes.stream.retry", Duration.ofMillis(100)),
        c.duration("spikes.stream.heartbeat", Duration.ofMillis(100)),
        c.intIn("spikes.stream.buffer-size", 1, 1_000_000),
        c.intIn("spikes.stream.max-subscribers", 1, 1_000_000),
        c.intIn("spikes.stream.write-queue-bytes", 1024, 64 * 1024 * 1024),
        c.duration("spikes.stream.token-ttl", Duration.ofSeconds(1)),
        slack);
  }
}
