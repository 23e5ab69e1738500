package io.supportpilot.agent;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The daily Claude token budget (input + output tokens per UTC day): what is left today, restored from
 * {@code claude_calls} on start so a restart does not reset it, and back to full when the day changes.
 */
final class DailyTokenBudget {

  private final Pool pool;
  private final Clock clock;
  private final long daily;
  private final AtomicReference<LocalDate> budgetDay = new AtomicReference<>();
  private final AtomicLong tokensToday = new AtomicLong();

  DailyTokenBudget(Pool pool, Clock clock, long daily, MeterRegistry registry) {
    this.pool = pool;
    this.clock = clock;
    this.daily = daily;
    Gauge.builder("supportpilot.claude.budget_remaining_tokens", this, DailyTokenBudget::remaining)
        .description("tokens left in today's Claude budget").register(registry);
  }

  /** Loads today's token use from {@code claude_calls}, so a restart does not reset the budget. */
  Future<Void> load() {
    LocalDate today = today();
    return pool.preparedQuery("SELECT COALESCE(SUM(input_tokens + output_tokens), 0) FROM claude_calls "
        + "WHERE created_at >= $1")
        .execute(Tuple.of(today.atStartOfDay().atOffset(ZoneOffset.UTC)))
        .map(rows -> {
          budgetDay.set(today);
          tokensToday.set(rows.iterator().next().getLong(0));
          return null;
        });
  }

  /** The configured tokens per day. */
  long daily() {
    return daily;
  }

  /** Tokens left in today's budget. */
  long remaining() {
    rollDay();
    return daily - tokensToday.get();
  }

  /** Counts tokens a call used against today's budget. */
  void spend(long tokens) {
    rollDay();
    tokensToday.addAndGet(tokens);
  }

  private void rollDay() {
    LocalDate today = today();
    LocalDate d = budgetDay.get();
    if (d == null || !d.equals(today)) {
      if (budgetDay.compareAndSet(d, today)) {
        tokensToday.set(0);
      }
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
