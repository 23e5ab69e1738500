package io.supportpilot.rules;

import io.vertx.core.Future;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Firings counted in memory and added to {@code automation_rules.trigger_count}/{@code last_triggered} in one
 * statement per flush, not one write per event. Only claimed firings are counted (each exactly once across
 * instances); a failed flush puts its counts back. Thread-safe: the API adds the unflushed part to what it shows.
 */
final class RuleCounters {

  private static final class Pending {
    final LongAdder count = new LongAdder();
    final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
  }

  private final RuleStore store;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private boolean flushing;

  RuleCounters(RuleStore store) {
    this.store = store;
  }

  void add(String ruleId, long atMillis) {
    add(ruleId, 1, atMillis);
  }

  private void add(String ruleId, long n, long atMillis) {
    Pending p = pending.computeIfAbsent(ruleId, k -> new Pending());
    p.count.add(n);
    p.last.accumulateAndGet(atMillis, Math::max);
  }

  /** Unflushed firings of a rule on this instance. */
  long pendingCount(String ruleId) {
    Pending p = pending.get(ruleId);
    return p == null ? 0 : p.count.sum();
  }

  /** The newest unflushed firing of a rule on this instance, or null. */
  Instant pendingLast(String ruleId) {
    Pending p = pending.get(ruleId);
    return p == null || p.last.get() == Long.MIN_VALUE || p.count.sum() == 0 ? null
        : Instant.ofEpochMilli(p.last.get());
  }

  /** Writes the counts gathered since the last flush (call from one event loop). */
  Future<Void> flush() {
    if (flushing || pending.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> ids = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    List<OffsetDateTime> lasts = new ArrayList<>();
    for (Map.Entry<String, Pending> e : pending.entrySet()) {
      long n = e.getValue().count.sumThenReset();
      if (n == 0) {
        continue;
      }
      ids.add(e.getKey());
      counts.add(n);
      lasts.add(RuleStore.utc(Instant.ofEpochMilli(e.getValue().last.get())));
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    flushing = true;
    return store.addCounts(ids.toArray(new String[0]), counts.toArray(new Long[0]),
            lasts.toArray(new OffsetDateTime[0]))
        .onFailure(e -> {
          for (int i = 0; i < ids.size(); i++) {
            add(ids.get(i), counts.get(i), lasts.get(i).toInstant().toEpochMilli());
          }
        })
        .onComplete(ar -> flushing = false);
  }
}
