package io.supportpilot.agent;

import static io.supportpilot.agent.ClaudeGateway.METRIC_CALLS;
import static io.supportpilot.agent.ClaudeGateway.METRIC_LATENCY;
import static io.supportpilot.agent.ClaudeGateway.METRIC_TOKENS;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records how every HTTP call to the Messages API ended: a success or an error for the circuit breaker, the call,
 * latency and token metrics, the tokens against today's budget, and one {@code claude_calls} row.
 */
final class CallRecorder {

  // Logged under the gateway's name, as before these parts were split out of it.
  private static final Logger LOG = LoggerFactory.getLogger(ClaudeGateway.class);

  private final Pool pool;
  private final Clock clock;
  private final String model;
  private final CallAdmission admission;
  private final DailyTokenBudget budget;
  private final Map<CallOutcome, Counter> calls = new EnumMap<>(CallOutcome.class);
  private final Map<CallOutcome, Timer> latency = new EnumMap<>(CallOutcome.class);
  private final Counter inputTokens;
  private final Counter outputTokens;

  CallRecorder(Pool pool, Clock clock, String model, CallAdmission admission, DailyTokenBudget budget,
      MeterRegistry registry) {
    this.pool = pool;
    this.clock = clock;
    this.model = model;
    this.admission = admission;
    this.budget = budget;
    for (CallOutcome o : CallOutcome.values()) {
      String tag = o.name().toLowerCase();
      calls.put(o, Counter.builder(METRIC_CALLS).tag("outcome", tag).description("Messages API calls")
          .register(registry));
      latency.put(o, Timer.builder(METRIC_LATENCY).tag("outcome", tag).description("Messages API call latency")
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(100))
          .maximumExpectedValue(Duration.ofSeconds(60)).register(registry));
    }
    inputTokens = Counter.builder(METRIC_TOKENS).tag("direction", "input").description("Claude tokens used")
        .register(registry);
    outputTokens = Counter.builder(METRIC_TOKENS).tag("direction", "output").description("Claude tokens used")
        .register(registry);
  }

  /**
   * Records one call that took {@code nanos}: {@code read} is its completed reply or {@link CallFailure};
   * {@code status} is null when no response came. Returns {@code read}.
   */
  Future<ClaudeReply> record(Future<ClaudeReply> read, Integer status, long nanos, String conversationId,
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
    insert(conversationId, purpose, outcome, status, reply == null ? null : reply.stopReason(), in, out, nanos);
    return read;
  }

  private void insert(String conversationId, String purpose, CallOutcome outcome, Integer status,
      String stopReason, int in, int out, long nanos) {
    pool.preparedQuery("INSERT INTO claude_calls (conversation_id, purpose, outcome, http_status, stop_reason, "
        + "input_tokens, output_tokens, latency_ms, model, created_at) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .execute(Tuple.from(new Object[] {conversationId, purpose, outcome.name().toLowerCase(), status, stopReason,
            in, out, (int) TimeUnit.NANOSECONDS.toMillis(nanos), model,
            OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)}))
        .onFailure(e -> LOG.warn("could not record a Claude call: {}", e.getMessage()));
  }
}
