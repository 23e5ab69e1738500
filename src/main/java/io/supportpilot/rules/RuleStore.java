package io.supportpilot.rules;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.store.StoredErrorRows;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Postgres access of the automation rules: the rules, their runs, their counters and the objects they replay. */
final class RuleStore {

  static final String RULE_COLUMNS = "id, name, trigger_type, trigger_condition::text, actions::text, enabled, "
      + "created_by, last_triggered, trigger_count, webhook_secret, created_at, updated_at";
  static final String CONVERSATION_COLUMNS = "id, user_id, subject, status, category, priority, handled_by, "
      + "language, auto_created, fingerprint, error_type, occurrence_count, assigned_to, created_at, updated_at, "
      + "waiting_since, first_response_at";

  /** A rule row. */
  record StoredRule(String id, String name, String triggerType, JsonObject condition, JsonArray actions,
      boolean enabled, String createdBy, OffsetDateTime lastTriggered, long triggerCount, String webhookSecret,
      OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    JsonObject toDraftJson() {
      return new JsonObject().put("name", name).put("trigger_type", triggerType).put("trigger_condition", condition)
          .put("actions", actions).put("enabled", enabled);
    }

    /** The API form; {@code pending} firings of this instance not yet flushed are added to the count. */
    JsonObject toJson(long pending, Instant pendingLast) {
      Instant last = lastTriggered == null ? null : lastTriggered.toInstant();
      if (pendingLast != null && (last == null || pendingLast.isAfter(last))) {
        last = pendingLast;
      }
      return new JsonObject().put("id", id).put("name", name).put("trigger_type", triggerType)
          .put("trigger_condition", condition).put("actions", actions).put("enabled", enabled)
          .put("created_by", createdBy).put("last_triggered", last == null ? null : last.toString())
          .put("trigger_count", triggerCount + pending).put("has_webhook_secret", webhookSecret != null)
          .put("created_at", createdAt.toInstant().toString()).put("updated_at", updatedAt.toInstant().toString());
    }
  }

  private final Pool pool;

  RuleStore(Pool pool) {
    this.pool = pool;
  }

  Pool pool() {
    return pool;
  }

  /** Changes whenever a rule is added, changed or deleted (not when counters move). */
  Future<String> stamp() {
    return pool.query("SELECT count(*)::text || '|' || COALESCE(max(updated_at)::text, '') FROM automation_rules")
        .execute().map(rows -> rows.iterator().next().getString(0));
  }

  Future<List<StoredRule>> enabledRules() {
    return pool.query("SELECT " + RULE_COLUMNS + " FROM automation_rules WHERE enabled ORDER BY created_at, id")
        .execute().map(RuleStore::rules);
  }

  Future<List<StoredRule>> list() {
    return pool.query("SELECT " + RULE_COLUMNS + " FROM automation_rules ORDER BY created_at, id").execute()
        .map(RuleStore::rules);
  }

  Future<StoredRule> get(String id) {
    return pool.preparedQuery("SELECT " + RULE_COLUMNS + " FROM automation_rules WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> first(rules(rows)));
  }

  Future<StoredRule> insert(String id, RuleDraft d, String createdBy, String secret, Instant now) {
    return pool.preparedQuery("INSERT INTO automation_rules (id, name, trigger_type, trigger_condition, actions, "
            + "enabled, created_by, webhook_secret, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, "
            + "$6, $7, $8, $9, $9) RETURNING " + RULE_COLUMNS)
        .execute(Tuple.from(new Object[] {id, d.name(), d.triggerType().wire(), d.conditionJson(),
            d.actionsJson(), d.enabledOnCreate(), createdBy, secret, utc(now)}))
        .map(rows -> first(rules(rows)));
  }

  /**
   * Replaces a rule's definition; a new secret is set only when {@code newSecret} is not null, and {@code enabled}
   * only when the body gave it (a PUT without it keeps the rule's state). Null if absent.
   */
  Future<StoredRule> replace(String id, RuleDraft d, String newSecret, Instant now) {
    return pool.preparedQuery("UPDATE automation_rules SET name = $2, trigger_type = $3, trigger_condition = $4::jsonb, "
            + "actions = $5::jsonb, enabled = COALESCE($6, enabled), webhook_secret = COALESCE($7, webhook_secret), "
            + "updated_at = GREATEST($8, updated_at + interval '1 microsecond') WHERE id = $1 RETURNING " + RULE_COLUMNS)
        .execute(Tuple.from(new Object[] {id, d.name(), d.triggerType().wire(), d.conditionJson(),
            d.actionsJson(), d.enabled(), newSecret, utc(now)}))
        .map(rows -> first(rules(rows)));
  }

  Future<StoredRule> setEnabled(String id, boolean enabled, Instant now) {
    return pool.preparedQuery("UPDATE automation_rules SET enabled = $2, "
            + "updated_at = GREATEST($3, updated_at + interval '1 microsecond') WHERE id = $1 RETURNING " + RULE_COLUMNS)
        .execute(Tuple.of(id, enabled, utc(now))).map(rows -> first(rules(rows)));
  }

  Future<StoredRule> setSecret(String id, String secret, Instant now) {
    return pool.preparedQuery("UPDATE automation_rules SET webhook_secret = $2, "
            + "updated_at = GREATEST($3, updated_at + interval '1 microsecond') WHERE id = $1 RETURNING " + RULE_COLUMNS)
        .execute(Tuple.of(id, secret, utc(now))).map(rows -> first(rules(rows)));
  }

  /** Deletes a rule and its runs; false when there was no such rule. */
  Future<Boolean> delete(String id) {
    return pool.withTransaction(c -> c.preparedQuery("DELETE FROM rule_runs WHERE rule_id = $1").execute(Tuple.of(id))
        .compose(x -> c.preparedQuery("DELETE FROM automation_rules WHERE id = $1").execute(Tuple.of(id)))
        .map(rows -> rows.rowCount() > 0));
  }

  Future<JsonArray> runs(String ruleId, int limit) {
    return pool.preparedQuery("SELECT id, trigger_type, trigger_key, trigger_object::text, actions_taken::text, "
            + "outcome, fired_at, finished_at, events FROM rule_runs WHERE rule_id = $1 ORDER BY id DESC LIMIT $2")
        .execute(Tuple.of(ruleId, limit)).map(rows -> {
          JsonArray a = new JsonArray();
          for (Row r : rows) {
            a.add(new JsonObject().put("id", r.getLong(0)).put("trigger_type", r.getString(1))
                .put("trigger_key", r.getString(2)).put("trigger_object", new JsonObject(r.getString(3)))
                .put("actions_taken", new JsonArray(r.getString(4))).put("outcome", r.getString(5))
                .put("fired_at", r.getOffsetDateTime(6).toInstant().toString())
                .put("finished_at", r.getOffsetDateTime(7) == null ? null
                    : r.getOffsetDateTime(7).toInstant().toString())
                .put("events", r.getLong(8)));
          }
          return a;
        });
  }

  /**
   * Claims firings in one statement: only those whose (rule, trigger key) had no run yet come back with their run
   * id; the others already fired (here or on another instance) and are dropped.
   */
  static Future<List<Firing>> claim(SqlClient client, List<Firing> firings) {
    int n = firings.size();
    String[] rule = new String[n];
    String[] type = new String[n];
    String[] key = new String[n];
    String[] object = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    Map<String, Firing> byKey = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Firing f = firings.get(i);
      rule[i] = f.rule.id();
      type[i] = f.rule.triggerType().wire();
      key[i] = f.triggerKey;
      object[i] = f.object.encode();
      at[i] = utc(f.firedAt);
      byKey.put(f.rule.id() + '\u0000' + f.triggerKey, f);
    }
    return client.preparedQuery("INSERT INTO rule_runs (rule_id, trigger_type, trigger_key, trigger_object, fired_at) "
            + "SELECT x.r, x.t, x.k, x.o::jsonb, x.a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
            + "$5::timestamptz[]) AS x(r, t, k, o, a) ON CONFLICT (rule_id, trigger_key) DO NOTHING "
            + "RETURNING id, rule_id, trigger_key")
        .execute(Tuple.of(rule, type, key, object, at))
        .map(rows -> {
          List<Firing> claimed = new ArrayList<>();
          for (Row r : rows) {
            Firing f = byKey.remove(r.getString(1) + '\u0000' + r.getString(2));
            if (f != null) {
              f.runId = r.getLong(0);
              claimed.add(f);
            }
          }
          return claimed;
        });
  }

  /** Records the outcomes of finished runs in one statement. */
  Future<Void> finish(List<Long> ids, List<String> actions, List<String> outcomes, List<OffsetDateTime> at) {
    return pool.preparedQuery("UPDATE rule_runs r SET actions_taken = x.a::jsonb, outcome = x.o, finished_at = x.f "
            + "FROM unnest($1::int8[], $2::text[], $3::text[], $4::timestamptz[]) AS x(id, a, o, f) WHERE r.id = x.id")
        .execute(Tuple.of(ids.toArray(new Long[0]), actions.toArray(new String[0]), outcomes.toArray(new String[0]),
            at.toArray(new OffsetDateTime[0])))
        .mapEmpty();
  }

  /** Adds errors that later matched to the runs of their error-rule firings, in one statement. */
  Future<Void> addEvents(String[] rules, String[] keys, Long[] counts) {
    return pool.preparedQuery("UPDATE rule_runs r SET events = r.events + x.n FROM unnest($1::text[], $2::text[], "
            + "$3::int8[]) AS x(r, k, n) WHERE r.rule_id = x.r AND r.trigger_key = x.k")
        .execute(Tuple.of(rules, keys, counts)).mapEmpty();
  }

  /** Adds counted firings to the rules in one statement. */
  Future<Void> addCounts(String[] ids, Long[] counts, OffsetDateTime[] last) {
    return pool.preparedQuery("UPDATE automation_rules r SET trigger_count = r.trigger_count + x.n, "
            + "last_triggered = GREATEST(r.last_triggered, x.t) FROM unnest($1::text[], $2::int8[], $3::timestamptz[]) "
            + "AS x(id, n, t) WHERE r.id = x.id")
        .execute(Tuple.of(ids, counts, last)).mapEmpty();
  }

  /** Deletes up to {@code limit} runs fired before {@code before}; the number deleted. */
  Future<Integer> deleteRunsBefore(Instant before, int limit) {
    return pool.preparedQuery("DELETE FROM rule_runs WHERE id IN (SELECT id FROM rule_runs WHERE fired_at < $1 "
        + "ORDER BY id LIMIT $2)").execute(Tuple.of(utc(before), limit)).map(rows -> rows.rowCount());
  }

  Future<List<ErrorEvent>> recentErrors(int limit) {
    return pool.preparedQuery("SELECT " + StoredErrorRows.COLUMNS + " FROM support_error_log ORDER BY id DESC LIMIT $1")
        .execute(Tuple.of(limit)).map(StoredErrorRows::events);
  }

  Future<List<ValuesSubject>> recentConversations(int limit) {
    return pool.preparedQuery("SELECT " + CONVERSATION_COLUMNS + " FROM support_conversations "
        + "ORDER BY updated_at DESC, id LIMIT $1").execute(Tuple.of(limit)).map(RuleStore::conversations);
  }

  /** Auto-tickets as ticket-rule objects (their latest state), newest first. */
  Future<List<ValuesSubject>> recentTickets(int limit) {
    return pool.preparedQuery("SELECT id, user_id, fingerprint, error_type, occurrence_count, "
            + "last_error_sample->>'error_code', (last_error_sample->>'status_code')::int FROM support_conversations "
            + "WHERE auto_created ORDER BY updated_at DESC, id LIMIT $1")
        .execute(Tuple.of(limit)).map(rows -> {
          List<ValuesSubject> out = new ArrayList<>();
          for (Row r : rows) {
            out.add(new ValuesSubject(Schema.TICKET).set("kind", r.getInteger(4) > 1 ? "updated" : "created")
                .set("conversation_id", r.getString(0)).set("user_id", r.getString(1))
                .set("fingerprint", r.getString(2)).set("error_type", r.getString(3))
                .set("occurrence_count", r.getInteger(4)).set("error_code", r.getString(5))
                .set("status_code", r.getInteger(6)));
          }
          return out;
        });
  }

  /** Conversations a schedule rule may match, narrowed by what the condition pushes down; oldest update first. */
  static Future<List<ValuesSubject>> candidates(SqlClient c, String[] statuses, Instant updatedBefore, int limit) {
    return c.preparedQuery("SELECT " + CONVERSATION_COLUMNS + " FROM support_conversations "
            + "WHERE ($1::text[] IS NULL OR status = ANY($1)) AND ($2::timestamptz IS NULL OR updated_at < $2) "
            + "ORDER BY updated_at, id LIMIT $3")
        .execute(Tuple.of(statuses, updatedBefore == null ? null : utc(updatedBefore), limit))
        .map(RuleStore::conversations);
  }

  private static List<ValuesSubject> conversations(Iterable<Row> rows) {
    List<ValuesSubject> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new ValuesSubject(Schema.CONVERSATION).set("id", r.getString(0)).set("user_id", r.getString(1))
          .set("subject", r.getString(2)).set("status", r.getString(3)).set("category", r.getString(4))
          .set("priority", r.getString(5)).set("handled_by", r.getString(6)).set("language", r.getString(7))
          .set("auto_created", r.getBoolean(8)).set("fingerprint", r.getString(9)).set("error_type", r.getString(10))
          .set("occurrence_count", r.getInteger(11)).set("assigned_to", r.getString(12))
          .set("created_at", r.getOffsetDateTime(13)).set("updated_at", r.getOffsetDateTime(14))
          .set("waiting_since", r.getOffsetDateTime(15)).set("first_response_at", r.getOffsetDateTime(16)));
    }
    return out;
  }

  private static List<StoredRule> rules(Iterable<Row> rows) {
    List<StoredRule> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(new StoredRule(r.getString(0), r.getString(1), r.getString(2), new JsonObject(r.getString(3)),
          new JsonArray(r.getString(4)), r.getBoolean(5), r.getString(6), r.getOffsetDateTime(7), r.getLong(8),
          r.getString(9), r.getOffsetDateTime(10), r.getOffsetDateTime(11)));
    }
    return out;
  }

  private static <T> T first(List<T> list) {
    return list.isEmpty() ? null : list.get(0);
  }

  static OffsetDateTime utc(Instant i) {
    return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
  }
}
