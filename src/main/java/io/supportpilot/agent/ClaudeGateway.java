package io.supportpilot.agent;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place every Claude call goes through: the Messages API over vertx-web-client, behind a resilience4j rate
 * limiter used non-blockingly (a reservation plus a Vert.x timer, never a parked thread) with a pacing guard, a
 * concurrency limit with a bounded queue, a circuit breaker, retries that honour {@code retry-after} on 429 and back
 * off on 529, 5xx, timeouts and malformed replies, and a daily token budget. Every HTTP call is recorded in
 * {@code claude_calls} and as metrics.
 */
public final class ClaudeGateway {

  /** Metric: Messages API calls, tagged by outcome. */
  public static final String METRIC_CALLS = "supportpilot.claude.calls";
  /** Metric: call latency, tagged by outcome. */
  public static final String METRIC_LATENCY = "supportpilot.claude.latency";
  /** Metric: tokens used, tagged by direction (input, output). */
  public static final String METRIC_TOKENS = "supportpilot.claude.tokens";
  /** Metric: calls refused before reaching the API, tagged by reason. */
  public static final String METRIC_REFUSED = "supportpilot.claude.refused";

  private static final Logger LOG = LoggerFactory.getLogger(ClaudeGateway.class);

  /** Why a call did not reach (or did not succeed at) the API: the offline agent takes over. */
  public enum Refusal { NO_KEY, DISABLED, BREAKER_OPEN, BUDGET_SPENT, QUEUE_FULL, RATE_LIMITED, FAILED }

  /** Claude is not available for this call; {@code reason} says why. */
  public static final class Unavailable extends RuntimeException {
    private final Refusal reason;

    Unavailable(Refusal reason, String detail) {
      super(reason.name().toLowerCase() + ": " + detail, null, false, false);
      this.reason = reason;
    }

    /** Why. */
    public Refusal reason() {
      return reason;
    }
  }

  private final Vertx vertx;
  private final AgentConfig.Anthropic cfg;
  private final boolean enabled;
  private final Pool pool;
  private final Clock clock;
  private final WebClient client;
  private final Refusals refusals;
  private final DailyTokenBudget budget;
  private final CallAdmission admission;
  private final AtomicLong httpRequests = new AtomicLong();
  private final Map<CallOutcome, Counter> calls = new EnumMap<>(CallOutcome.class);
  private final Map<CallOutcome, Timer> latency = new EnumMap<>(CallOutcome.class);
  private final Counter inputTokens;
  private final Counter outputTokens;

  /** A gateway with its own web client; {@code enabled} false (offline-only) refuses every call. */
  public ClaudeGateway(Vertx vertx, AgentConfig.Anthropic cfg, boolean enabled, Pool pool, Clock clock,
      MeterRegistry registry) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.enabled = enabled;
    this.pool = pool;
    this.clock = clock;
    this.client = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout((int) Math.min(10_000, cfg.requestTimeout().toMillis())).setUserAgent("supportpilot"),
        new PoolOptions().setHttp1MaxSize(Math.max(4, cfg.maxConcurrent())));
    this.refusals = new Refusals(registry);
    this.budget = new DailyTokenBudget(pool, clock, cfg.dailyTokenBudget(), registry);
    this.admission = new CallAdmission(vertx, cfg, refusals, registry);
    for (CallOutcome o : CallOutcome.values()) {
      String tag = o.name().toLowerCase();
      calls.put(o, Counter.builder(METRIC_CALLS).tag("outcome", tag).description("Messages API calls").register(registry));
      latency.put(o, Timer.builder(METRIC_LATENCY).tag("outcome", tag).description("Messages API call latency")
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(100))
          .maximumExpectedValue(Duration.ofSeconds(60)).register(registry));
    }
    inputTokens = Counter.builder(METRIC_TOKENS).tag("direction", "input").description("Claude tokens used")
        .register(registry);
    outputTokens = Counter.builder(METRIC_TOKENS).tag("direction", "output").description("Claude tokens used")
        .register(registry);
  }

  /** Loads today's token use from {@code claude_calls}, so a restart does not reset the budget. */
  public Future<Void> start() {
    return budget.load();
  }

  /** Closes the web client. */
  public void close() {
    client.close();
  }

  /** Why Claude cannot be used right now, or null when it can. */
  public Refusal unavailableReason() {
    if (!enabled) {
      return Refusal.DISABLED;
    }
    if (cfg.apiKey().isEmpty()) {
      return Refusal.NO_KEY;
    }
    if (admission.breakerOpen()) {
      return Refusal.BREAKER_OPEN;
    }
    if (budgetRemaining() <= 0) {
      return Refusal.BUDGET_SPENT;
    }
    return null;
  }

  /** The circuit breaker's state, for health and tests. */
  public CircuitBreaker.State breakerState() {
    return admission.breakerState();
  }

  /** HTTP requests sent to the API since start (every attempt). */
  public long httpRequests() {
    return httpRequests.get();
  }

  /** Tokens left in today's budget. */
  public long budgetRemaining() {
    return budget.remaining();
  }

  /** The configured model. */
  public String model() {
    return cfg.model();
  }

  /** The configured max_tokens per call. */
  public int maxTokens() {
    return cfg.maxTokens();
  }

  /**
   * Sends one Messages API request ({@code model} and {@code max_tokens} are filled in), with retries. Fails with
   * {@link Unavailable} when Claude cannot answer.
   */
  public Future<ClaudeReply> send(JsonObject request, String conversationId, String purpose) {
    Refusal r = unavailableReason();
    if (r != null) {
      return refusals.refuse(r, "Claude is not available");
    }
    JsonObject body = request.copy().put("model", cfg.model());
    if (!body.containsKey("max_tokens")) {
      body.put("max_tokens", cfg.maxTokens());
    }
    return admission.slot().compose(v -> attempt(body, conversationId, purpose, 0)
        .andThen(ar -> admission.release()));
  }

  private Future<ClaudeReply> attempt(JsonObject body, String conversationId, String purpose, int attempt) {
    if (budgetRemaining() <= 0) {
      return refusals.refuse(Refusal.BUDGET_SPENT, "the daily token budget of " + budget.daily() + " is spent");
    }
    return admission.permit().compose(v -> call(body, conversationId, purpose)).recover(e -> {
      if (!(e instanceof CallFailure)) {
        return Future.failedFuture(e);
      }
      CallFailure f = (CallFailure) e;
      if (!f.retryable || attempt >= cfg.maxRetries()) {
        return refusals.refuse(Refusal.FAILED, f.getMessage());
      }
      long delay = f.retryAfterMs >= 0 ? f.retryAfterMs
          : backoff(attempt);
      if (delay > cfg.maxRetryAfter().toMillis()) {
        return refusals.refuse(Refusal.FAILED, "retry-after " + delay + " ms is too long");
      }
      LOG.info("Claude call {} ({}); retry {} of {} in {} ms", f.outcome, f.getMessage(), attempt + 1,
          cfg.maxRetries(), delay);
      return timer(delay).compose(x -> attempt(body, conversationId, purpose, attempt + 1));
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

  private Future<ClaudeReply> call(JsonObject body, String conversationId, String purpose) {
    long start = System.nanoTime();
    httpRequests.incrementAndGet();
    return client.postAbs(cfg.baseUrl() + "/v1/messages")
        .putHeader("x-api-key", cfg.apiKey().orElse(""))
        .putHeader("anthropic-version", cfg.version())
        .putHeader("content-type", "application/json")
        .timeout(cfg.requestTimeout().toMillis())
        .sendBuffer(body.toBuffer())
        .transform(ar -> {
          long nanos = System.nanoTime() - start;
          if (ar.failed()) {
            return finish(Future.failedFuture(ReplyReader.unanswered(ar.cause())), null, nanos, conversationId,
                purpose);
          }
          return finish(ReplyReader.read(ar.result()), ar.result().statusCode(), nanos, conversationId, purpose);
        });
  }

  private Future<ClaudeReply> finish(Future<ClaudeReply> read, Integer status, long nanos, String conversationId,
      String purpose) {
    CallFailure failure = read.failed() ? (CallFailure) read.cause() : null;
    ClaudeReply reply = read.result();
    int in = reply == null ? 0 : reply.inputTokens();
    int out = reply == null ? 0 : reply.outputTokens();
    CallOutcome outcome = failure == null ? CallOutcome.OK : failure.outcome;
    admission.ended(failure, nanos);
    calls.get(outcome).increment();
    latency.get(outcome).record(nanos, TimeUnit.NANOSECONDS);
    inputTokens.increment(in);
    outputTokens.increment(out);
    budget.spend((long) in + out);
    record(conversationId, purpose, outcome, status, reply == null ? null : reply.stopReason(), in, out, nanos);
    return read;
  }

  private void record(String conversationId, String purpose, CallOutcome outcome, Integer status, String stopReason,
      int in, int out, long nanos) {
    pool.preparedQuery("INSERT INTO claude_calls (conversation_id, purpose, outcome, http_status, stop_reason, "
        + "input_tokens, output_tokens, latency_ms, model, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .execute(Tuple.from(new Object[] {conversationId, purpose, outcome.name().toLowerCase(), status, stopReason,
            in, out, (int) TimeUnit.NANOSECONDS.toMillis(nanos), cfg.model(),
            OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)}))
        .onFailure(e -> LOG.warn("could not record a Claude call: {}", e.getMessage()));
  }
}
