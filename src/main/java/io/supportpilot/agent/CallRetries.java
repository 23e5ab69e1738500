package io.supportpilot.agent;

import io.supportpilot.agent.ClaudeGateway.Refusal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a Claude call that failed with a {@link CallFailure}: after the server's {@code retry-after}, else with
 * exponential backoff and jitter, on a Vert.x timer; gives up ({@code failed}) when a retry cannot help, the retries
 * are spent or the wait would be longer than allowed.
 */
final class CallRetries {

  // Logged under the gateway's name, as before these parts were split out of it.
  private static final Logger LOG = LoggerFactory.getLogger(ClaudeGateway.class);

  private final Vertx vertx;
  private final AgentConfig.Anthropic cfg;
  private final Refusals refusals;

  CallRetries(Vertx vertx, AgentConfig.Anthropic cfg, Refusals refusals) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.refusals = refusals;
  }

  /** Runs {@code attempt}, and again after a delay while it fails with a retryable {@link CallFailure}. */
  <T> Future<T> run(Supplier<Future<T>> attempt) {
    return run(attempt, 0);
  }

  private <T> Future<T> run(Supplier<Future<T>> attempt, int n) {
    return attempt.get().recover(e -> {
      if (!(e instanceof CallFailure)) {
        return Future.failedFuture(e);
      }
      CallFailure f = (CallFailure) e;
      if (!f.retryable || n >= cfg.maxRetries()) {
        return refusals.refuse(Refusal.FAILED, f.getMessage());
      }
      long delay = f.retryAfterMs >= 0 ? f.retryAfterMs
          : backoff(n);
      if (delay > cfg.maxRetryAfter().toMillis()) {
        return refusals.refuse(Refusal.FAILED, "retry-after " + delay + " ms is too long");
      }
      LOG.info("Claude call {} ({}); retry {} of {} in {} ms", f.outcome, f.getMessage(), n + 1,
          cfg.maxRetries(), delay);
      return timer(delay).compose(x -> run(attempt, n + 1));
    });
  }

  private long backoff(int attempt) {
    long base = cfg.retryBaseDelay().toMillis() << Math.min(attempt, 10);
    return base + ThreadLocalRandom.current().nextLong(Math.max(1, base / 2));
  }

  private Future<Void> timer(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), id -> p.complete());
    return p.future();
  }
}
