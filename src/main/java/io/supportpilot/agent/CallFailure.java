package io.supportpilot.agent;

/** One failed HTTP call, recorded by the breaker; {@code retryAfterMs} is -1 when the server gave none. */
final class CallFailure extends RuntimeException {
  final CallOutcome outcome;
  final boolean retryable;
  final long retryAfterMs;

  CallFailure(CallOutcome outcome, boolean retryable, long retryAfterMs, String detail) {
    super(detail, null, false, false);
    this.outcome = outcome;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}
