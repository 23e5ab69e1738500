package io.supportpilot.rules;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One pass of the schedule rules over the conversations, on exactly one instance at a time: the pass runs in a
 * transaction that first takes a Postgres advisory transaction lock; an instance that does not get it skips the
 * pass. The lock dies with the connection, so losing the instance that held it frees it for the next tick of the
 * others. Matches are claimed in {@code rule_runs} inside the same transaction.
 */
final class ScheduleScan {

  /** The advisory lock key of the schedule pass (any fixed bigint; documented in docs/rules.md). */
  static final long LOCK_KEY = 0x5350_5255_4c45_5331L;

  private final Pool pool;
  private final Clock clock;
  private final RuleBook book;
  private final int limit;

  ScheduleScan(Pool pool, Clock clock, RuleBook book, int limit) {
    this.pool = pool;
    this.clock = clock;
    this.book = book;
    this.limit = limit;
  }

  /** Runs a pass; the claimed firings (empty when another instance holds the pass or nothing matched). */
  Future<List<Firing>> run() {
    CompiledRule[] rules = book.rules(TriggerType.SCHEDULE);
    if (rules.length == 0) {
      return Future.succeededFuture(List.of());
    }
    Instant now = clock.instant();
    return pool.withTransaction(c -> c.query("SELECT pg_try_advisory_xact_lock(" + LOCK_KEY + ")").execute()
        .compose(rows -> {
          if (!rows.iterator().next().getBoolean(0)) {
            return Future.succeededFuture(List.<Firing>of());
          }
          return scan(c, rules, 0, now, new ArrayList<>());
        }));
  }

  private Future<List<Firing>> scan(SqlConnection c, CompiledRule[] rules, int i, Instant now, List<Firing> claimed) {
    if (i >= rules.length) {
      return Future.succeededFuture(claimed);
    }
    CompiledRule rule = rules[i];
    Pushdown p = Pushdown.of(rule.conditionJson(), now.toEpochMilli());
    return RuleStore.candidates(c, p.statuses, p.updatedBefore, limit).compose(rows -> {
      List<Firing> firings = new ArrayList<>();
      long nowMs = now.toEpochMilli();
      for (ValuesSubject s : rows) {
        if (rule.condition().test(s, nowMs)) {
          JsonObject o = s.toJson();
          firings.add(new Firing(rule, key(o), o, now));
        }
      }
      return firings.isEmpty() ? Future.succeededFuture(List.<Firing>of()) : RuleStore.claim(c, firings);
    }).compose(got -> {
      claimed.addAll(got);
      return scan(c, rules, i + 1, now, claimed);
    });
  }

  /** A conversation fires a rule once per state: its id and the update time it had when it matched. */
  static String key(JsonObject conversation) {
    return "conversation:" + conversation.getString("id") + "@" + conversation.getString("updated_at");
  }

  /** What of a condition can narrow the SQL: a top-level status and an upper bound on updated_at. */
  record Pushdown(String[] statuses, Instant updatedBefore) {

    static Pushdown of(JsonObject condition, long now) {
      String[] statuses = null;
      Object st = condition.getValue("status");
      if (st instanceof String) {
        statuses = new String[] {(String) st};
      } else if (st instanceof JsonObject) {
        JsonObject ops = (JsonObject) st;
        if (ops.getValue("$eq") instanceof String) {
          statuses = new String[] {ops.getString("$eq")};
        } else if (ops.getValue("$in") instanceof JsonArray) {
          statuses = ops.getJsonArray("$in").stream().map(String::valueOf).toArray(String[]::new);
        }
      }
      Instant before = null;
      if (condition.getValue("updated_at") instanceof JsonObject) {
        JsonObject ops = condition.getJsonObject("updated_at");
        for (String op : new String[] {"$lt", "$lte"}) {
          if (ops.getValue(op) instanceof String) {
            ConditionCompiler.TimeValue t = ConditionCompiler.TimeValue.parse(ops.getString(op));
            if (t != null) {
              Instant b = Instant.ofEpochMilli(t.at(now) + (op.equals("$lte") ? 1 : 0));
              before = before == null || b.isBefore(before) ? b : before;
            }
          }
        }
      }
      return new Pushdown(statuses, before);
    }
  }
}
