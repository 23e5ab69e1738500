package io.supportpilot.agent;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.agent.ClaudeGateway.Refusal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits Claude calls and paces them: a concurrency limit with a bounded queue, a resilience4j rate limiter used
 * non-blockingly (a reservation plus a Vert.x timer, never a parked thread) with a pacing guard, and the circuit
 * breaker that keeps calls away from the API after repeated failures.
 */
final class CallAdmission {

  private final Vertx vertx;
  private final AgentConfig.Anthropic cfg;
  private final Refusals refusals;
  private final RateLimiter limiter;
  private final CircuitBreaker breaker;
  private final long spacingNanos;
  private final AtomicLong lastDispatch = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicLong lastSent = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Promise<Void>> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicInteger waitingCount = new AtomicInteger();

  CallAdmission(Vertx vertx, AgentConfig.Anthropic cfg, Refusals refusals, MeterRegistry registry) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.refusals = refusals;
    // One permit per 1/N second: the reservation tells how long to wait; a timer waits, nothing parks.
    Duration period = Duration.ofNanos(1_000_000_000L / cfg.requestsPerSecond());
    this.limiter = RateLimiter.of("claude", RateLimiterConfig.custom().limitForPeriod(1).limitRefreshPeriod(period)
        .timeoutDuration(Duration.ofMinutes(10)).build());
    // Pacing guard: a reservation can land at the very start of the next cycle, right after an immediate one; the
    // guard keeps sent calls at least one period (+3% and 1 ms for network jitter) apart, so no sliding second
    // at the API sees more than N.
    this.spacingNanos = period.toNanos() + period.toNanos() * 3 / 100 + TimeUnit.MILLISECONDS.toNanos(1);
    this.breaker = CircuitBreaker.of("claude", CircuitBreakerConfig.custom()
        .failureRateThreshold(cfg.breakerFailureRate())
        .slidingWindowSize(cfg.breakerWindow())
        .minimumNumberOfCalls(Math.min(cfg.breakerWindow(), 5))
        .waitDurationInOpenState(cfg.breakerOpenFor())
        .permittedNumberOfCallsInHalfOpenState(1)
        .recordExceptions(CallFailure.class)
        .build());
    Gauge.builder("supportpilot.claude.in_flight", inFlight, AtomicInteger::get)
        .description("Claude calls in flight").register(registry);
    Gauge.builder("supportpilot.claude.queued", waitingCount, AtomicInteger::get)
        .description("Claude calls waiting for a concurrency slot").register(registry);
    Gauge.builder("supportpilot.claude.breaker_open", breaker,
        b -> b.getState() == CircuitBreaker.State.OPEN ? 1 : 0)
        .description("1 while the Claude circuit breaker is open").register(registry);
  }

  /** The circuit breaker's state. */
  CircuitBreaker.State breakerState() {
    return breaker.getState();
  }

  /** True while the breaker keeps calls away from the API (open or forced open). */
  boolean breakerOpen() {
    return breaker.getState() == CircuitBreaker.State.OPEN || breaker.getState() == CircuitBreaker.State.FORCED_OPEN;
  }

  /**
   * A concurrency slot: at once when fewer than the limit are in flight, else after a wait in the queue; refused
   * ({@code queue_full}) when the queue is full. Every slot is given back with {@link #release()}.
   */
  Future<Void> slot() {
    if (inFlight.incrementAndGet() <= cfg.maxConcurrent()) {
      return Future.succeededFuture();
    }
    inFlight.decrementAndGet();
    if (waitingCount.incrementAndGet() > cfg.maxQueue()) {
      waitingCount.decrementAndGet();
      return refusals.refuse(Refusal.QUEUE_FULL, "more than " + cfg.maxQueue() + " Claude calls are waiting");
    }
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    drain();
    return p.future();
  }

  /** Gives a slot back; the next waiting call takes it. */
  void release() {
    inFlight.decrementAndGet();
    drain();
  }

  private void drain() {
    while (!waiting.isEmpty()) {
      if (inFlight.incrementAndGet() > cfg.maxConcurrent()) {
        inFlight.decrementAndGet();
        return;
      }
      Promise<Void> next = waiting.poll();
      if (next == null) {
        inFlight.decrementAndGet();
        return;
      }
      waitingCount.decrementAndGet();
      next.complete();
    }
  }

  /**
   * Completes when one HTTP request may be sent now: after the rate limiter's reservation and the pacing guard
   * (on timers), and with the breaker's permission; refused ({@code rate_limited}, {@code breaker_open}) otherwise.
   */
  Future<Void> permit() {
    long waitNanos = limiter.reservePermission();
    if (waitNanos < 0) {
      return refusals.refuse(Refusal.RATE_LIMITED, "the rate limiter's queue is longer than its timeout");
    }
    long now = System.nanoTime();
    long earliest = now + waitNanos;
    long at = lastDispatch.updateAndGet(prev -> Math.max(earliest, prev + spacingNanos));
    long delayMs = TimeUnit.NANOSECONDS.toMillis(at - now + 999_999);
    Future<Void> gate = (delayMs <= 0 ? Future.<Void>succeededFuture() : timer(delayMs)).compose(v -> paced());
    return gate.compose(v -> {
      if (!breaker.tryAcquirePermission()) {
        return refusals.refuse(Refusal.BREAKER_OPEN, "the circuit breaker is open after repeated failures");
      }
      return Future.succeededFuture();
    });
  }

  /** Tells the breaker how a sent request ended; {@code failure} is null for a reply. */
  void ended(CallFailure failure, long nanos) {
    if (failure == null) {
      breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
    } else if (failure.outcome == CallOutcome.CLIENT_ERROR) {
      breaker.onSuccess(nanos, TimeUnit.NANOSECONDS); // our request was wrong; the service is fine
    } else {
      breaker.onError(nanos, TimeUnit.NANOSECONDS, failure);
    }
  }

  /**
   * Waits (on a timer) until at least one spacing has passed since the last call actually sent, so late timers
   * cannot bunch calls together; claims the send slot atomically.
   */
  private Future<Void> paced() {
    long now = System.nanoTime();
    long prev = lastSent.get();
    if (now - prev >= spacingNanos) {
      return lastSent.compareAndSet(prev, now) ? Future.succeededFuture() : paced();
    }
    long waitMs = TimeUnit.NANOSECONDS.toMillis(spacingNanos - (now - prev) + 999_999);
    return timer(waitMs).compose(v -> paced());
  }

  private Future<Void> timer(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), id -> p.complete());
    return p.future();
  }
}
