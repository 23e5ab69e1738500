package io.supportpilot.agent;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;

/**
 * The one place every Claude call goes through: the Messages API over vertx-web-client, behind a resilience4j rate
 * limiter used non-blockingly (a reservation plus a Vert.x timer, never a parked thread) with a pacing guard, a
 * concurrency limit with a bounded queue, a circuit breaker, retries that honour {@code retry-after} on 429 and back
 * off on 529, 5xx, timeouts and malformed replies, and a daily token budget. Every HTTP call is recorded in
 * {@code claude_calls} and as metrics. The gateway composes the parts that do each of these: {@link CallAdmission},
 * {@link CallRetries}, {@link DailyTokenBudget}, {@link MessagesClient} (with {@link ReplyReader} and
 * {@link CallRecorder}) and {@link Refusals}.
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

  private final AgentConfig.Anthropic cfg;
  private final boolean enabled;
  private final Refusals refusals;
  private final DailyTokenBudget budget;
  private final CallAdmission admission;
  private final CallRetries retries;
  private final MessagesClient client;

  ClaudeGateway(AgentConfig.Anthropic cfg, boolean enabled, Refusals refusals, DailyTokenBudget budget,
      CallAdmission admission, CallRetries retries, MessagesClient client) {
    this.cfg = cfg;
    this.enabled = enabled;
    this.refusals = refusals;
    this.budget = budget;
    this.admission = admission;
    this.retries = retries;
    this.client = client;
  }

  /** A gateway with its own web client; {@code enabled} false (offline-only) refuses every call. */
  public static ClaudeGateway create(Vertx vertx, AgentConfig.Anthropic cfg, boolean enabled, Pool pool,
      Clock clock, MeterRegistry registry) {
    Refusals refusals = new Refusals(registry);
    DailyTokenBudget budget = new DailyTokenBudget(pool, clock, cfg.dailyTokenBudget(), registry);
    CallAdmission admission = new CallAdmission(vertx, cfg, refusals, registry);
    CallRecorder recorder = new CallRecorder(pool, clock, cfg.model(), admission, budget, registry);
    return new ClaudeGateway(cfg, enabled, refusals, budget, admission, new CallRetries(vertx, cfg, refusals),
        new MessagesClient(vertx, cfg, recorder));
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
    return client.httpRequests();
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
    return admission.slot().compose(v -> retries.run(() -> attempt(body, conversationId, purpose))
        .andThen(ar -> admission.release()));
  }

  /** One try: refused when today's budget is spent, else sent once the admission permits it. */
  private Future<ClaudeReply> attempt(JsonObject body, String conversationId, String purpose) {
    if (budgetRemaining() <= 0) {
      return refusals.refuse(Refusal.BUDGET_SPENT, "the daily token budget of " + budget.daily() + " is spent");
    }
    return admission.permit().compose(v -> client.call(body, conversationId, purpose));
  }
}
