package io.supportpilot.desk;

import io.supportpilot.admin.AdminPrincipal;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The desk's reads and writes of conversations. Every human write runs in one transaction that checks the
 * conversation's version (optimistic concurrency: a stale version is a 409, so two people answering at once never
 * lose a reply silently) and records the action in {@code desk_audit}.
 */
final class DeskStore {

  /** Gaps between one person's actions on a ticket longer than this count as this much handling time. */
  static final Duration MAX_ACTION_GAP = Duration.ofMinutes(5);
  private static final String DETAIL_COLUMNS = QueueQuery.COLUMNS + ", resolution_summary, resolved_article_slug, "
      + "satisfaction_rating, resolved_by_customer, auto_created, fingerprint, error_type, occurrence_count, "
      + "first_response_at, resolved_at, customer_read_at";

  private final Pool pool;
  private final Clock clock;
  private final Duration replyMailAfter;

  DeskStore(Pool pool, Clock clock, Duration replyMailAfter) {
    this.pool = pool;
    this.clock = clock;
    this.replyMailAfter = replyMailAfter;
  }

  OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /** One page of the queue. */
  Future<JsonObject> list(QueueQuery q) {
    return pool.preparedQuery(q.sql).execute(q.args).map(rows -> {
      JsonArray items = new JsonArray();
      Row last = null;
      int n = 0;
      for (Row r : rows) {
        if (n++ == q.limit) {
          break;
        }
        items.add(conversation(r));
        last = r;
      }
      String next = rows.size() > q.limit && last != null
          ? new QueueQuery.Cursor(q.sort, last.getOffsetDateTime(q.column()), last.getString("id")).encode() : null;
      return new JsonObject().put("items", items).put("next_cursor", next);
    });
  }

  /** Everything a person needs to work one conversation; records that they opened it. */
  Future<JsonObject> detail(String id, AdminPrincipal who) {
    return pool.preparedQuery("SELECT " + DETAIL_COLUMNS + " FROM support_conversations WHERE id = $1")
        .execute(Tuple.of(id))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(HttpFailure.notFound("no conversation " + id));
          }
          Row c = rows.iterator().next();
          String userId = c.getString("user_id");
          String fingerprint = c.getString("fingerprint");
          Future<RowSet<Row>> messages = pool.preparedQuery("SELECT id, sender_type, content, metadata, created_at "
              + "FROM support_messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT 500").execute(Tuple.of(id));
          Future<RowSet<Row>> notes = pool.preparedQuery("SELECT id, author, content, created_at FROM "
              + "conversation_notes WHERE conversation_id = $1 ORDER BY id DESC LIMIT 500").execute(Tuple.of(id));
          Future<RowSet<Row>> errors = fingerprint == null ? Future.succeededFuture(null)
              : pool.preparedQuery("SELECT " + ERROR_COLUMNS + " FROM support_error_log WHERE user_id = $1 "
                  + "AND fingerprint = $2 ORDER BY created_at DESC LIMIT 20").execute(Tuple.of(userId, fingerprint));
          Future<RowSet<Row>> tickets = pool.preparedQuery("SELECT id, subject, status, fingerprint, error_type, "
              + "occurrence_count, created_at FROM support_conversations WHERE user_id = $1 AND auto_created "
              + "ORDER BY created_at DESC LIMIT 10").execute(Tuple.of(userId));
          Future<RowSet<Row>> user = pool.preparedQuery("SELECT id, email, name, plan, language, placeholder, "
              + "created_at FROM users WHERE id = $1").execute(Tuple.of(userId));
          Future<RowSet<Row>> connections = pool.preparedQuery("SELECT id, provider, division, status, "
              + "token_expires_at, last_refresh_at FROM connections WHERE user_id = $1 ORDER BY created_at")
              .execute(Tuple.of(userId));
          Future<RowSet<Row>> recent = pool.preparedQuery("SELECT " + ERROR_COLUMNS + " FROM support_error_log "
              + "WHERE user_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 10")
              .execute(Tuple.of(userId, now().minusDays(7)));
          Future<RowSet<Row>> audit = audit(pool, id, who, "view", new JsonObject());
          return Future.all(List.of(messages, notes, errors, tickets, user, connections, recent, audit))
              .compose(all -> {
                JsonArray errs = errors.result() == null ? new JsonArray() : errorList(errors.result());
                List<String> types = new ArrayList<>();
                if (c.getString("error_type") != null) {
                  types.add(c.getString("error_type"));
                }
                errs.forEach(e -> types.add(((JsonObject) e).getString("error_type")));
                return pool.preparedQuery("SELECT id, error_type, count_last_hour, count_24h, ratio, started_at, "
                        + "last_updated_at FROM spikes WHERE status = 'active' AND error_type = ANY($1)")
                    .execute(Tuple.of(types.toArray(new String[0])))
                    .map(spikes -> assemble(c, messages.result(), notes.result(), errs, tickets.result(),
                        user.result(), connections.result(), recent.result(), spikes));
              });
        });
  }

  private static final String ERROR_COLUMNS = "id, source, error_type, error_code, status_code, tool, message, "
      + "fingerprint, occurred_at, created_at";

  private static JsonObject assemble(Row c, RowSet<Row> messages, RowSet<Row> notes, JsonArray errors,
      RowSet<Row> tickets, RowSet<Row> user, RowSet<Row> connections, RowSet<Row> recent, RowSet<Row> spikes) {
    List<JsonObject> all = new ArrayList<>();
    JsonObject triage = null;
    for (Row m : messages) {
      JsonObject meta = m.getValue("metadata") instanceof JsonObject ? (JsonObject) m.getValue("metadata")
          : new JsonObject();
      String sender = m.getString("sender_type");
      if (triage == null && "agent".equals(sender)
          && (meta.getJsonObject("triage") != null || "escalation".equals(meta.getString("kind")))) {
        JsonObject t = meta.getJsonObject("triage") != null ? meta.getJsonObject("triage").copy() : new JsonObject();
        triage = t.put("responder", meta.getString("responder")).put("escalation_reason", meta.getString("reason"))
            .put("decided_at", str(m.getOffsetDateTime("created_at")));
      }
      all.add(new JsonObject().put("id", m.getLong("id")).put("sender_type", sender)
          .put("content", m.getString("content")).put("internal", false)
          .put("author", "admin".equals(sender) ? meta.getString("author") : sender)
          .put("created_at", str(m.getOffsetDateTime("created_at"))));
    }
    for (Row n : notes) {
      all.add(new JsonObject().put("id", "note-" + n.getLong("id")).put("sender_type", "admin")
          .put("content", n.getString("content")).put("internal", true).put("author", n.getString("author"))
          .put("created_at", str(n.getOffsetDateTime("created_at"))));
    }
    all.sort(Comparator.comparing((JsonObject j) -> j.getString("created_at"))
        .thenComparing(j -> String.valueOf(j.getValue("id"))));
    JsonArray ticketList = new JsonArray();
    for (Row t : tickets) {
      ticketList.add(new JsonObject().put("id", t.getString("id")).put("subject", t.getString("subject"))
          .put("status", t.getString("status")).put("fingerprint", t.getString("fingerprint"))
          .put("error_type", t.getString("error_type")).put("occurrence_count", t.getInteger("occurrence_count"))
          .put("created_at", str(t.getOffsetDateTime("created_at"))));
    }
    JsonArray spikeList = new JsonArray();
    for (Row s : spikes) {
      spikeList.add(new JsonObject().put("id", s.getString("id")).put("error_type", s.getString("error_type"))
          .put("count_last_hour", s.getInteger("count_last_hour")).put("count_24h", s.getInteger("count_24h"))
          .put("ratio", s.getDouble("ratio")).put("started_at", str(s.getOffsetDateTime("started_at")))
          .put("last_updated_at", str(s.getOffsetDateTime("last_updated_at"))));
    }
    JsonArray conns = new JsonArray();
    for (Row k : connections) {
      conns.add(new JsonObject().put("id", k.getString("id")).put("provider", k.getString("provider"))
          .put("division", k.getString("division")).put("status", k.getString("status"))
          .put("token_expires_at", str(k.getOffsetDateTime("token_expires_at")))
          .put("last_refresh_at", str(k.getOffsetDateTime("last_refresh_at"))));
    }
    JsonObject customer = new JsonObject().put("id", c.getString("user_id"));
    if (user.size() > 0) {
      Row u = user.iterator().next();
      customer.put("email", u.getString("email")).put("name", u.getString("name")).put("plan", u.getString("plan"))
          .put("language", u.getString("language")).put("placeholder", u.getBoolean("placeholder"));
    }
    customer.put("connections", conns).put("recent_errors", errorList(recent));
    JsonObject conversation = conversation(c).put("resolution_summary", c.getString("resolution_summary"))
        .put("resolved_article_slug", c.getString("resolved_article_slug"))
        .put("satisfaction_rating", c.getValue("satisfaction_rating"))
        .put("resolved_by_customer", c.getBoolean("resolved_by_customer"))
        .put("auto_created", c.getBoolean("auto_created")).put("fingerprint", c.getString("fingerprint"))
        .put("error_type", c.getString("error_type")).put("occurrence_count", c.getInteger("occurrence_count"))
        .put("first_response_at", str(c.getOffsetDateTime("first_response_at")))
        .put("resolved_at", str(c.getOffsetDateTime("resolved_at")))
        .put("customer_read_at", str(c.getOffsetDateTime("customer_read_at")));
    return new JsonObject().put("conversation", conversation).put("messages", new JsonArray(new ArrayList<>(all)))
        .put("triage", triage).put("errors", errors).put("tickets", ticketList).put("spikes", spikeList)
        .put("customer", customer);
  }

  private static JsonArray errorList(RowSet<Row> rows) {
    JsonArray arr = new JsonArray();
    for (Row e : rows) {
      arr.add(new JsonObject().put("id", e.getLong("id")).put("source", e.getString("source"))
          .put("error_type", e.getString("error_type")).put("error_code", e.getString("error_code"))
          .put("status_code", e.getInteger("status_code")).put("tool", e.getString("tool"))
          .put("message", e.getString("message")).put("fingerprint", e.getString("fingerprint"))
          .put("occurred_at", str(e.getOffsetDateTime("occurred_at")))
          .put("created_at", str(e.getOffsetDateTime("created_at"))));
    }
    return arr;
  }

  /**
   * A human reply the customer sees: the conversation waits for the customer, a person handles it, and the reply is
   * e-mailed later unless the customer reads it first. 409 when {@code version} is stale.
   */
  Future<JsonObject> reply(String id, long version, String content, AdminPrincipal who) {
    OffsetDateTime now = now();
    return pool.withTransaction(tx -> tx.preparedQuery("UPDATE support_conversations SET version = version + 1, "
            + "status = CASE WHEN status IN ('resolved', 'closed') THEN status ELSE 'waiting_customer' END, "
            + "handled_by = 'human', assigned_to = COALESCE(assigned_to, $3), "
            + "first_response_at = COALESCE(first_response_at, $4), updated_at = $4 "
            + "WHERE id = $1 AND version = $2 RETURNING user_id, version")
        .execute(Tuple.of(id, version, who.name(), now))
        .compose(rows -> rows.size() == 0 ? staleOrMissing(tx, id, version) : Future.succeededFuture(rows))
        .compose(rows -> {
          Row r = rows.iterator().next();
          String userId = r.getString("user_id");
          long newVersion = r.getLong("version");
          JsonObject meta = new JsonObject().put("responder", "human").put("author", who.name());
          return tx.preparedQuery("INSERT INTO support_messages (conversation_id, sender_type, content, metadata, "
                  + "created_at) VALUES ($1, 'admin', $2, $3, $4) RETURNING id")
              .execute(Tuple.of(id, content, meta, now))
              .compose(m -> {
                long messageId = m.iterator().next().getLong(0);
                return tx.preparedQuery("INSERT INTO desk_reply_mail (message_id, conversation_id, user_id, due_at) "
                        + "VALUES ($1, $2, $3, $4)")
                    .execute(Tuple.of(messageId, id, userId, now.plus(replyMailAfter)))
                    .compose(x -> audit(tx, id, who, "reply", new JsonObject().put("message_id", messageId)))
                    .map(x -> new JsonObject().put("message", new JsonObject().put("id", messageId)
                        .put("sender_type", "admin").put("content", content).put("internal", false)
                        .put("author", who.name()).put("created_at", now.toInstant().toString()))
                        .put("version", newVersion));
              });
        }));
  }

  /** An internal note: stored apart from the messages, so no customer-facing read can return it. */
  Future<JsonObject> note(String id, String content, AdminPrincipal who) {
    OffsetDateTime now = now();
    return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO conversation_notes (conversation_id, author, "
            + "content, created_at) SELECT id, $2, $3, $4 FROM support_conversations WHERE id = $1 RETURNING id")
        .execute(Tuple.of(id, who.name(), content, now))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(HttpFailure.notFound("no conversation " + id));
          }
          long noteId = rows.iterator().next().getLong(0);
          return audit(tx, id, who, "note", new JsonObject().put("note_id", noteId))
              .map(x -> new JsonObject().put("note", new JsonObject().put("id", "note-" + noteId)
                  .put("sender_type", "admin").put("content", content).put("internal", true)
                  .put("author", who.name()).put("created_at", now.toInstant().toString())));
        }));
  }

  /** Changes status, priority, category and/or assignment; the status move must be allowed. */
  Future<JsonObject> update(String id, long version, String status, String priority, String category,
      String assignedTo, boolean unassign, AdminPrincipal who) {
    OffsetDateTime now = now();
    return pool.withTransaction(tx -> lock(tx, id)
        .compose(row -> {
          if (row.getLong("version") != version) {
            return Future.failedFuture(stale(id, row.getLong("version")));
          }
          String from = row.getString("status");
          if (status != null) {
            String refusal = StatusTransitions.refusal(from, status);
            if (refusal != null) {
              return Future.failedFuture(HttpFailure.badRequest(refusal));
            }
          }
          boolean takesOver = (status != null && !status.equals(from)) || assignedTo != null;
          JsonObject changes = new JsonObject();
          if (status != null) {
            changes.put("status", new JsonObject().put("from", from).put("to", status));
          }
          if (priority != null) {
            changes.put("priority", priority);
          }
          if (category != null) {
            changes.put("category", category);
          }
          if (assignedTo != null || unassign) {
            changes.put("assigned_to", assignedTo);
          }
          return tx.preparedQuery("UPDATE support_conversations SET version = version + 1, updated_at = $2, "
                  + "status = COALESCE($3, status), priority = COALESCE($4, priority), "
                  + "category = COALESCE($5, category), "
                  + "assigned_to = CASE WHEN $7 THEN NULL ELSE COALESCE($6, assigned_to) END, "
                  + "handled_by = CASE WHEN $8 THEN 'human' ELSE handled_by END, "
                  + "resolved_at = CASE WHEN $3 IS NOT NULL AND $3 <> 'resolved' THEN NULL ELSE resolved_at END "
                  + "WHERE id = $1 RETURNING " + QueueQuery.COLUMNS)
              .execute(Tuple.of(id, now, status, priority, category, assignedTo, unassign, takesOver))
              .compose(rows -> audit(tx, id, who, "update", changes).map(x -> conversation(rows.iterator().next())));
        }))
        .recover(DeskStore::uniqueConflict);
  }

  /** Assigns the conversation to the caller; 409 when someone else has it. */
  Future<JsonObject> claim(String id, AdminPrincipal who) {
    OffsetDateTime now = now();
    return pool.withTransaction(tx -> lock(tx, id)
        .compose(row -> {
          String holder = row.getString("assigned_to");
          if (holder != null && !holder.equals(who.name())) {
            return Future.failedFuture(HttpFailure.conflict("conversation " + id + " is assigned to " + holder
                + "; change assigned_to with PATCH to take it over"));
          }
          return tx.preparedQuery("UPDATE support_conversations SET version = version + 1, updated_at = $2, "
                  + "assigned_to = $3, handled_by = 'human' WHERE id = $1 RETURNING " + QueueQuery.COLUMNS)
              .execute(Tuple.of(id, now, who.name()))
              .compose(rows -> audit(tx, id, who, "claim", new JsonObject())
                  .map(x -> conversation(rows.iterator().next())));
        }));
  }

  /**
   * Resolves with a summary and optionally the article that solved it (what the learning loop reads), and adds the
   * ticket's admin handling time to the rollups.
   */
  Future<JsonObject> resolve(String id, long version, String summary, String articleSlug, AdminPrincipal who) {
    OffsetDateTime now = now();
    Future<Void> article = articleSlug == null ? Future.succeededFuture()
        : pool.preparedQuery("SELECT 1 FROM knowledge_articles WHERE slug = $1").execute(Tuple.of(articleSlug))
            .compose(rows -> rows.size() == 0
                ? Future.failedFuture(HttpFailure.badRequest("article_slug " + articleSlug + " is not an article"))
                : Future.succeededFuture());
    return article.compose(v -> pool.withTransaction(tx -> lock(tx, id)
        .compose(row -> {
          if (row.getLong("version") != version) {
            return Future.failedFuture(stale(id, row.getLong("version")));
          }
          String from = row.getString("status");
          if ("resolved".equals(from) || "closed".equals(from)) {
            return Future.failedFuture(HttpFailure.conflict("conversation " + id + " is already " + from));
          }
          return tx.preparedQuery("UPDATE support_conversations SET version = version + 1, updated_at = $2, "
                  + "status = 'resolved', resolved_at = $2, handled_by = 'human', resolution_summary = $3, "
                  + "resolved_article_slug = $4, assigned_to = COALESCE(assigned_to, $5) WHERE id = $1 RETURNING "
                  + QueueQuery.COLUMNS + ", resolution_summary, resolved_article_slug")
              .execute(Tuple.of(id, now, summary, articleSlug, who.name()))
              .compose(rows -> audit(tx, id, who, "resolve", new JsonObject().put("article_slug", articleSlug))
                  .compose(x -> recordAdminTime(tx, id, now))
                  .map(x -> {
                    Row r = rows.iterator().next();
                    return conversation(r).put("resolution_summary", r.getString("resolution_summary"))
                        .put("resolved_article_slug", r.getString("resolved_article_slug"));
                  }));
        })))
        .recover(DeskStore::uniqueConflict);
  }

  /**
   * Admin time per ticket: the sum, over consecutive human actions on the ticket (views included), of the gap to the
   * previous action, each gap capped at {@link #MAX_ACTION_GAP}. Added to the rollups when a person resolves it.
   */
  private static Future<Void> recordAdminTime(SqlConnection tx, String id, OffsetDateTime now) {
    return tx.preparedQuery("SELECT COALESCE(sum(LEAST(gap, $2)), 0) FROM (SELECT extract(epoch FROM created_at - "
            + "lag(created_at) OVER (ORDER BY id)) * 1000 AS gap FROM desk_audit WHERE conversation_id = $1) g")
        .execute(Tuple.of(id, (double) MAX_ACTION_GAP.toMillis()))
        .compose(rows -> {
          long ms = Math.round(((Number) rows.iterator().next().getValue(0)).doubleValue());
          return tx.preparedQuery("SELECT desk_bump('admin_time_ms', $1, $2), desk_bump('admin_time_tickets', $1, 1)")
              .execute(Tuple.of(now, ms)).mapEmpty();
        });
  }

  private static Future<Row> lock(SqlConnection tx, String id) {
    return tx.preparedQuery("SELECT status, version, assigned_to FROM support_conversations WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(HttpFailure.notFound("no conversation " + id))
            : Future.succeededFuture(rows.iterator().next()));
  }

  private static Future<RowSet<Row>> staleOrMissing(SqlConnection tx, String id, long version) {
    return tx.preparedQuery("SELECT version FROM support_conversations WHERE id = $1").execute(Tuple.of(id))
        .compose(rows -> Future.failedFuture(rows.size() == 0 ? HttpFailure.notFound("no conversation " + id)
            : stale(id, rows.iterator().next().getLong(0))));
  }

  private static HttpFailure stale(String id, long current) {
    return HttpFailure.conflict("conversation " + id + " changed since you loaded it (version is now " + current
        + "); reload it and try again");
  }

  private static <T> Future<T> uniqueConflict(Throwable e) {
    return e instanceof PgException && "23505".equals(((PgException) e).getSqlState())
        ? Future.failedFuture(HttpFailure.conflict("another open ticket exists for the same user and error"))
        : Future.failedFuture(e);
  }

  private Future<RowSet<Row>> audit(SqlClient c, String id, AdminPrincipal who, String action,
      JsonObject details) {
    return c.preparedQuery("INSERT INTO desk_audit (conversation_id, actor, actor_role, action, details, created_at) "
            + "VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(id, who.name(), who.role().wire(), action, details,
            now()));
  }

  static JsonObject conversation(Row r) {
    return new JsonObject().put("id", r.getString("id")).put("user_id", r.getString("user_id"))
        .put("subject", r.getString("subject")).put("status", r.getString("status"))
        .put("priority", r.getString("priority")).put("category", r.getString("category"))
        .put("handled_by", r.getString("handled_by")).put("assigned_to", r.getString("assigned_to"))
        .put("language", r.getString("language")).put("created_at", str(r.getOffsetDateTime("created_at")))
        .put("updated_at", str(r.getOffsetDateTime("updated_at"))).put("version", r.getLong("version"))
        .put("waiting_since", str(r.getOffsetDateTime("waiting_since")));
  }

  static String str(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
