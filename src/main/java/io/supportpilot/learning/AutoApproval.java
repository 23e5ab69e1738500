package io.supportpilot.learning;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Function;

/**
 * The operator's choice: suggestions never go live without an admin's approval, unless auto-approval is enabled
 * ({@code learning.auto-approve-above}) and the suggestion's confidence is at or above that bar.
 */
final class AutoApproval {

  private final Double bar;
  private final Function<Long, Future<?>> approve;

  /** {@code bar} null = disabled. */
  AutoApproval(Double bar, Function<Long, Future<?>> approve) {
    this.bar = bar;
    this.approve = approve;
  }

  boolean enabled() {
    return bar != null;
  }

  /** Approves when enabled and the confidence reaches the bar; true when it did. */
  Future<Boolean> maybeApprove(long suggestionId, double confidence) {
    if (bar == null || confidence < bar) {
      return Future.succeededFuture(false);
    }
    Promise<Boolean> p = Promise.promise();
    approve.apply(suggestionId).onComplete(ar -> p.complete(ar.succeeded()));
    return p.future();
  }
}
