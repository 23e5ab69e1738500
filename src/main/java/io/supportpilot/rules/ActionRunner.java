package io.supportpilot.rules;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the actions of one claimed firing, in order, each recorded as {type, status (done | skipped |
 * failed), detail, ...}. A failing action never stops the next one and never fails the run's future. How
 * {@code create_ticket} cooperates with the auto-ticket pipeline: see docs/rules.md ("create_ticket and the
 * auto-ticket pipeline").
 */
final class ActionRunner {

  /** Metric: actions carried out, tagged by type and status. */
  static final String METER_ACTIONS = "supportpilot.rules.actions";

  private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);
  private static final String OPEN = "status NOT IN ('resolved', 'closed')";
  static final String SHAPE_TICKET = "UPDATE support_conversations SET priority = COALESCE($3, priority), "
      + "category = COALESCE($4, category), updated_at = $5, version = version + 1 "
      + "WHERE user_id = $1 AND fingerprint = $2 AND " + OPEN + " RETURNING id";
  static final String CREATE_TICKET = "INSERT INTO support_conversations (id, user_id, subject, status, category, "
      + "priority, handled_by, language, auto_created, fingerprint, error_type, occurrence_count, last_seen_at, "
      + "last_context_message_at, created_at, updated_at) VALUES ($1, $2, $3, 'open', COALESCE($4, 'technical'), "
      + "COALESCE($5, 'normal'), 'ai', COALESCE((SELECT language FROM users WHERE users.id = $2), 'nl'), TRUE, $6, $7, "
      + "1, $8, $9, $9, $9) ON CONFLICT (user_id, fingerprint) WHERE fingerprint IS NOT NULL AND " + OPEN
      + " DO UPDATE SET priority = COALESCE($5, support_conversations.priority), "
      + "category = COALESCE($4, support_conversations.category), version = support_conversations.version + 1 "
      + "RETURNING id, (xmax = 0) AS inserted";
  static final String OPEN_TICKET = "SELECT id FROM support_conversations WHERE user_id = $1 AND fingerprint = $2 AND "
      + OPEN + " LIMIT 1";
  static final String ESCALATE = "UPDATE support_conversations SET status = 'escalated', handled_by = 'human', "
      + "updated_at = $2, version = version + 1 WHERE id = $1 AND status NOT IN ('escalated', 'resolved', 'closed') "
      + "RETURNING id, user_id, subject";

  /** What one run knows as it goes: the conversation its actions concern, once known. */
  private static final class RunState {
    String conversationId;
    JsonObject conversation;
    boolean ruleOpenedTicket;
  }

  private final Vertx vertx;
  private final Pool pool;
  private final Clock clock;
  private final RulesConfig cfg;
  private final WebhookSender webhooks;
  private final RuleMailer mailer;
  private final Cache<String, String> recent;
  private final MeterRegistry registry;
  private final Map<String, Counter> meters = new ConcurrentHashMap<>();

  ActionRunner(Vertx vertx, Pool pool, Clock clock, RulesConfig cfg, WebhookSender webhooks, MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
    this.cfg = cfg;
    this.webhooks = webhooks;
    this.registry = registry;
    this.mailer = new RuleMailer(vertx, pool, clock, cfg);
    Duration window = cfg.actionDedupeWindow();
    this.recent = Caffeine.newBuilder().expireAfterWrite(window.isZero() ? Duration.ofNanos(1) : window)
        .maximumSize(window.isZero() ? 0 : 100_000).executor(Runnable::run).build();
  }

  void close() {
    mailer.close();
    webhooks.close();
  }

  /** Runs the firing's actions in order; completes with the list of what each did. */
  Future<JsonArray> run(Firing f) {
    RunState state = new RunState();
    JsonObject o = f.object;
    if (f.rule.triggerType() == TriggerType.SCHEDULE) {
      state.conversationId = o.getString("id");
      state.conversation = o;
    } else if (f.rule.triggerType() == TriggerType.TICKET || f.rule.triggerType() == TriggerType.PATTERN) {
      state.conversationId = o.getString("conversation_id");
    }
    JsonArray taken = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    List<Action> actions = f.rule.actions();
    for (int i = 0; i < actions.size(); i++) {
      Action a = actions.get(i);
      int index = i;
      chain = chain.compose(v -> one(f, a, index, state)
          .recover(e -> {
            LOG.warn("rule {} action {} failed: {}", f.rule.id(), a.type().wire(), e.getMessage());
            return Future.succeededFuture(failed(String.valueOf(e.getMessage())));
          })
          .map(r -> {
            String status = r.getString("status");
            meter(a.type(), status).increment();
            taken.add(new JsonObject().put("type", a.type().wire()).mergeIn(r));
            return null;
          }));
    }
    return chain.map(v -> taken);
  }

  /** succeeded, partial, failed or skipped, from what the actions did. */
  static String outcome(JsonArray taken) {
    int done = 0;
    int failed = 0;
    for (int i = 0; i < taken.size(); i++) {
      String s = taken.getJsonObject(i).getString("status");
      if ("done".equals(s)) {
        done++;
      } else if ("failed".equals(s)) {
        failed++;
      }
    }
    if (failed == 0) {
      return done == 0 ? "skipped" : "succeeded";
    }
    return done == 0 ? "failed" : "partial";
  }

  private Future<JsonObject> one(Firing f, Action a, int index, RunState state) {
    switch (a.type()) {
      case CREATE_TICKET:
        return createTicket(f, a.config(), index, state);
      case TRIGGER_AGENT:
        return triggerAgent(f, a.config(), index, state);
      case ESCALATE:
        return escalate(f, a.config(), state);
      case SEND_EMAIL:
        return sendEmail(f, a.config(), state);
      default:
        if (f.rule.webhookSecret() == null) {
          return Future.succeededFuture(failed("the rule has no webhook secret"));
        }
        JsonObject body = new JsonObject()
            .put("rule", new JsonObject().put("id", f.rule.id()).put("name", f.rule.name()))
            .put("trigger_type", f.rule.triggerType().wire()).put("trigger_key", f.triggerKey)
            .put("object", f.object).put("fired_at", f.firedAt.toString()).put("run_id", f.runId);
        if (state.conversationId != null) {
          body.put("conversation_id", state.conversationId);
        }
        return webhooks.send(a.config().getString("url"), f.rule.webhookSecret(), "run-" + f.runId, body);
    }
  }

  // ------------------------------------------------------------------ create_ticket

  private Future<JsonObject> createTicket(Firing f, JsonObject config, int index, RunState state) {
    String user = f.object.getString("user_id");
    String fp = f.object.getString("fingerprint");
    if (user == null || user.isEmpty() || fp == null) {
      return Future.succeededFuture(skipped("the error has no user: tickets belong to a customer"));
    }
    String key = f.rule.id() + '|' + index + '|' + user + '|' + fp;
    String known = recent.getIfPresent(key);
    if (known != null) {
      state.conversationId = known;
      return Future.succeededFuture(done("the open ticket was already set up by this rule").put("ticket_id", known)
          .put("created", false));
    }
    Promise<JsonObject> result = Promise.promise();
    shape(f, config, user, fp, 0, result);
    return result.future().onSuccess(r -> {
      String id = r.getString("ticket_id");
      if (id != null) {
        state.conversationId = id;
        state.ruleOpenedTicket = Boolean.TRUE.equals(r.getBoolean("created"));
        recent.put(key, id);
      }
    });
  }

  /**
   * Sets priority and category on the ticket the auto-ticket pipeline opens for (user, fingerprint); waits for it a
   * few times with growing pauses (not at all when auto-tickets are off), then opens it itself (the open-ticket
   * unique index keeps it one ticket whoever comes first).
   */
  private void shape(Firing f, JsonObject config, String user, String fp, int attempt, Promise<JsonObject> result) {
    String priority = config.getString("priority");
    String category = config.getString("category");
    OffsetDateTime now = RuleStore.utc(clock.instant());
    pool.preparedQuery(SHAPE_TICKET).execute(Tuple.of(user, fp, priority, category, now)).onComplete(ar -> {
      if (ar.failed()) {
        result.fail(ar.cause());
        return;
      }
      if (ar.result().size() > 0) {
        result.complete(done("set on the pipeline's open ticket").put("ticket_id",
            ar.result().iterator().next().getString(0)).put("created", false));
        return;
      }
      if (attempt < 3 && cfg.pipelineTickets()) {
        long delay = cfg.ticketWait().toMillis() << (2 * attempt);
        vertx.setTimer(delay, t -> shape(f, config, user, fp, attempt + 1, result));
        return;
      }
      create(f, priority, category, user, fp, now).onComplete(result);
    });
  }

  private Future<JsonObject> create(Firing f, String priority, String category, String user, String fp,
      OffsetDateTime now) {
    JsonObject e = f.object;
    String id = UUID.randomUUID().toString();
    String message = e.getString("message");
    String subject = e.getString("error_type") + (message == null || message.isBlank() ? ""
        : ": " + message.strip().lines().findFirst().orElse(""));
    if (subject.length() > 160) {
      subject = subject.substring(0, 157) + "...";
    }
    OffsetDateTime seen = e.getString("occurred_at") == null ? now
        : OffsetDateTime.parse(e.getString("occurred_at"));
    return pool.preparedQuery(CREATE_TICKET)
        .execute(Tuple.from(new Object[] {id, user, subject, category, priority, fp, e.getString("error_type"), seen,
            now}))
        .compose(rows -> {
          Row r = rows.iterator().next();
          String ticket = r.getString(0);
          boolean inserted = r.getBoolean(1);
          if (!inserted) {
            return Future.succeededFuture(done("set on the open ticket").put("ticket_id", ticket)
                .put("created", false));
          }
          String text = "Ticket opened by automation rule \"" + f.rule.name() + "\" for error " + e.getString("error_type")
              + (e.getValue("status_code") == null ? "" : " (HTTP " + e.getValue("status_code") + ")")
              + ", " + e.getString("source") + " event " + e.getString("event_id")
              + (message == null ? "" : ".\nMessage: " + message);
          return pool.preparedQuery("INSERT INTO support_messages (conversation_id, sender_type, content, metadata) "
                  + "VALUES ($1, 'system', $2, $3::jsonb)")
              .execute(Tuple.of(ticket, text, new JsonObject().put("kind", "rule_ticket_created")
                  .put("rule_id", f.rule.id()).put("event_id", e.getString("event_id"))))
              .compose(x -> pool.preparedQuery("UPDATE support_error_log SET ticket_id = $1, auto_ticket_created = TRUE "
                  + "WHERE source = $2 AND event_id = $3 AND ticket_id IS NULL")
                  .execute(Tuple.of(ticket, e.getString("source"), e.getString("event_id"))))
              .map(x -> done("opened by the rule (no pipeline ticket appeared)").put("ticket_id", ticket)
                  .put("created", true));
        });
  }

  // ------------------------------------------------------------------ trigger_agent

  private Future<JsonObject> triggerAgent(Firing f, JsonObject config, int index, RunState state) {
    if ("devops".equals(config.getString("agent"))) {
      return conversation(f, state).compose(conv -> devopsTask(f, conv, "automation_rule"));
    }
    return conversation(f, state).compose(conv -> {
      if (conv == null) {
        return Future.succeededFuture(skipped("no conversation to answer (no ticket for this trigger)"));
      }
      if (f.rule.triggerType() == TriggerType.ERROR && cfg.pipelineTickets() && !state.ruleOpenedTicket) {
        // The pipeline's TicketEvent already hands its auto-tickets to the agent: asking again would only repeat
        // the agent's reads of the conversation for every error.
        return Future.succeededFuture(done("the auto-ticket pipeline hands this ticket to the support agent")
            .put("conversation_id", conv));
      }
      String key = f.rule.id() + '|' + index + '|' + conv;
      if (recent.getIfPresent(key) != null) {
        return Future.succeededFuture(done("the support agent was already asked for this conversation")
            .put("conversation_id", conv));
      }
      recent.put(key, conv);
      vertx.eventBus().publish(Addresses.CONVERSATION_ACTIVITY, conv);
      return Future.succeededFuture(done("the support agent was asked to handle the conversation")
          .put("conversation_id", conv));
    });
  }

  // ------------------------------------------------------------------ escalate

  private Future<JsonObject> escalate(Firing f, JsonObject config, RunState state) {
    if ("devops".equals(config.getString("to"))) {
      return conversation(f, state).compose(conv -> devopsTask(f, conv, "support_escalation"));
    }
    return conversation(f, state).compose(conv -> {
      String title = "Escalated by rule \"" + f.rule.name() + "\"";
      JsonObject details = new JsonObject().put("rule_id", f.rule.id()).put("trigger_key", f.triggerKey)
          .put("conversation_id", conv);
      OffsetDateTime now = RuleStore.utc(clock.instant());
      Future<Boolean> moved = conv == null ? Future.succeededFuture(false)
          : pool.preparedQuery(ESCALATE).execute(Tuple.of(conv, now)).compose(rows -> {
            if (rows.size() == 0) {
              return Future.succeededFuture(false);
            }
            Row r = rows.iterator().next();
            details.put("user_id", r.getString(1)).put("subject", r.getString(2));
            return pool.preparedQuery("INSERT INTO desk_audit (conversation_id, actor, actor_role, action, details, "
                    + "created_at) VALUES ($1, $2, 'system', 'escalate', $3::jsonb, $4)")
                .execute(Tuple.of(conv, "rule:" + f.rule.id(), new JsonObject().put("rule_id", f.rule.id())
                    .put("rule_name", f.rule.name()).put("status", "escalated"), now))
                .map(true);
          });
      return moved.compose(escalated -> {
        if (conv != null && !escalated) {
          return Future.succeededFuture(skipped("the conversation is already escalated, resolved or closed")
              .put("conversation_id", conv));
        }
        return pool.preparedQuery("INSERT INTO admin_notifications (kind, title, details, created_at) "
                + "VALUES ('escalation', $1, $2::jsonb, $3) RETURNING id")
            .execute(Tuple.of(title, details, now))
            .map(rows -> {
              vertx.eventBus().publish(Addresses.ADMIN_NOTIFICATIONS, new JsonObject().put("kind", "escalation")
                  .put("title", title).put("details", details));
              return done(conv == null ? "admins notified (no conversation to move)"
                  : "the conversation was escalated to a person and admins notified")
                  .put("conversation_id", conv).put("notification_id", rows.iterator().next().getLong(0));
            });
      });
    });
  }

  private Future<JsonObject> devopsTask(Firing f, String conv, String type) {
    String id = UUID.randomUUID().toString();
    JsonObject details = new JsonObject().put("rule_id", f.rule.id()).put("rule_name", f.rule.name())
        .put("trigger_key", f.triggerKey).put("object", f.object);
    return pool.preparedQuery("INSERT INTO devops_tasks (id, type, error_type, conversation_id, details) "
            + "VALUES ($1, $2, $3, $4, $5::jsonb)")
        .execute(Tuple.of(id, type, f.object.getString("error_type"), conv, details))
        .map(x -> {
          vertx.eventBus().publish(Addresses.DEVOPS_TASKS, new JsonObject().put("id", id).put("type", type)
              .put("details", details));
          return done("a DevOps task was opened").put("devops_task_id", id);
        });
  }

  // ------------------------------------------------------------------ send_email

  private Future<JsonObject> sendEmail(Firing f, JsonObject config, RunState state) {
    return conversationRow(state).compose(conv -> mailer.send(f, config, state.conversationId, conv));
  }

  // ------------------------------------------------------------------ helpers

  /** The conversation the run concerns: known already, or the open ticket of the error's (user, fingerprint). */
  private Future<String> conversation(Firing f, RunState state) {
    if (state.conversationId != null) {
      return Future.succeededFuture(state.conversationId);
    }
    String user = f.object.getString("user_id");
    String fp = f.object.getString("fingerprint");
    if (f.rule.triggerType() != TriggerType.ERROR || user == null || fp == null) {
      return Future.succeededFuture(null);
    }
    return pool.preparedQuery(OPEN_TICKET).execute(Tuple.of(user, fp)).map(rows -> {
      if (rows.size() > 0) {
        state.conversationId = rows.iterator().next().getString(0);
      }
      return state.conversationId;
    });
  }

  private Future<JsonObject> conversationRow(RunState state) {
    if (state.conversation != null || state.conversationId == null) {
      return Future.succeededFuture(state.conversation);
    }
    return pool.preparedQuery("SELECT id, user_id, subject, priority, updated_at FROM support_conversations "
        + "WHERE id = $1").execute(Tuple.of(state.conversationId)).map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          state.conversation = new JsonObject().put("id", r.getString(0)).put("user_id", r.getString(1))
              .put("subject", r.getString(2)).put("priority", r.getString(3))
              .put("updated_at", r.getOffsetDateTime(4).toInstant().toString());
          return state.conversation;
        });
  }

  private Counter meter(Action.Type type, String status) {
    return meters.computeIfAbsent(type.wire() + '|' + status, k -> Counter.builder(METER_ACTIONS)
        .tag("type", type.wire()).tag("status", status).description("automation rule actions carried out")
        .register(registry));
  }

  private static JsonObject done(String detail) {
    return new JsonObject().put("status", "done").put("detail", detail);
  }

  private static JsonObject skipped(String detail) {
    return new JsonObject().put("status", "skipped").put("detail", detail);
  }

  private static JsonObject failed(String detail) {
    return new JsonObject().put("status", "failed").put("detail", detail);
  }
}
