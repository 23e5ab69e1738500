package io.supportpilot.rules;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;

/**
 * Evaluates a rule (saved or not) against the last N errors (error rules), conversations (schedule rules) or
 * auto-tickets (ticket rules) and says what would have fired, without firing anything.
 */
final class DryRun {

  /** At most this many would-fire items are listed; {@code matched} counts them all. */
  static final int MAX_LISTED = 100;

  private final RuleStore store;
  private final Clock clock;

  DryRun(RuleStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  Future<JsonObject> run(RuleDraft rule, int limit) {
    long now = clock.millis();
    Result r = new Result(rule.actionsJson());
    switch (rule.triggerType()) {
      case ERROR:
        return store.recentErrors(limit).map(events -> {
          for (ErrorEvent e : events) {
            if (r.offer(rule.condition().test(new ErrorSubject(e), now))) {
              r.add("error:" + e.source() + ":" + e.eventId(), RuleEngineVerticle.errorJson(e));
            }
          }
          return r.json("errors");
        });
      case SCHEDULE:
        return store.recentConversations(limit).map(list -> {
          for (ValuesSubject s : list) {
            if (r.offer(rule.condition().test(s, now))) {
              JsonObject o = s.toJson();
              r.add(ScheduleScan.key(o), o);
            }
          }
          return r.json("conversations");
        });
      case TICKET:
        return store.recentTickets(limit).map(list -> {
          for (ValuesSubject s : list) {
            if (r.offer(rule.condition().test(s, now))) {
              JsonObject o = s.toJson();
              r.add("ticket:" + o.getString("conversation_id"), o);
            }
          }
          return r.json("auto-tickets");
        });
      default:
        return Future.failedFuture(HttpFailure.badRequest("pattern rules have no recorded trigger objects to replay"));
    }
  }

  private static final class Result {
    final JsonArray actions;
    final JsonArray items = new JsonArray();
    int evaluated;
    int matched;

    Result(JsonArray actions) {
      this.actions = actions;
    }

    boolean offer(boolean hit) {
      evaluated++;
      if (hit) {
        matched++;
      }
      return hit && items.size() < MAX_LISTED;
    }

    void add(String key, JsonObject object) {
      items.add(new JsonObject().put("trigger_key", key).put("object", object).put("actions", actions));
    }

    JsonObject json(String over) {
      return new JsonObject().put("evaluated", evaluated).put("evaluated_over", over).put("matched", matched)
          .put("would_fire", items).put("listed", items.size());
    }
  }
}
