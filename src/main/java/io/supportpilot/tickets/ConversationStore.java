package io.supportpilot.tickets;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Conversations and their messages in Postgres: what the customer API reads and writes and what the support
 * agent answers into. Every customer-facing read is scoped to the conversation's own user. Times come from the
 * engine clock, so schedulers (the 24-hour follow-up) can be tested with a clock that moves.
 */
public final class ConversationStore {

  private static final String CONVERSATION_COLUMNS = "id, user_id, subject, status, category, priority, handled_by, "
      + "language, satisfaction_rating, resolved_by_customer, auto_created, fingerprint, error_type, occurrence_count, "
      + "first_response_at, resolved_at, agent_answered_at, follow_up_sent_at, created_at, updated_at";

  private final Pool pool;
  private final Clock clock;

  /** A store on the engine's pool and clock. */
  public ConversationStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** A conversation as stored. */
  public record Conversation(String id, String userId, String subject, String status, String category,
      String priority, String handledBy, String language, Integer rating, Boolean resolvedByCustomer,
      boolean autoCreated, String fingerprint, String errorType, int occurrenceCount, Instant firstResponseAt,
      Instant resolvedAt, Instant agentAnsweredAt, Instant followUpSentAt, Instant createdAt, Instant updatedAt) {

    /** The API shape of the conversation (without messages). */
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("user_id", userId).put("subject", subject).put("status", status)
          .put("category", category).put("priority", priority).put("handled_by", handledBy).put("language", language)
          .put("satisfaction_rating", rating).put("resolved_by_customer", resolvedByCustomer)
          .put("auto_created", autoCreated).put("error_type", errorType).put("occurrence_count", occurrenceCount)
          .put("first_response_at", str(firstResponseAt)).put("resolved_at", str(resolvedAt))
          .put("follow_up_sent_at", str(followUpSentAt)).put("created_at", str(createdAt))
          .put("updated_at", str(updatedAt));
    }

    /** True when the conversation is finished. */
    public boolean closed() {
      return "resolved".equals(status) || "closed".equals(status);
    }
  }

  /** One message of a conversation. */
  public record Message(long id, String conversationId, String senderType, String content, JsonObject metadata,
      Instant createdAt) {

    /** The API shape of the message. */
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("sender_type", senderType).put("content", content)
          .put("metadata", metadata).put("created_at", str(createdAt));
    }
  }

  /** The engine clock's now, as Postgres wants it. */
  public OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /** Opens a conversation with the first customer message; an unknown user is created as a placeholder. */
  public Future<Conversation> create(String userId, String subject, String content, String language) {
    OffsetDateTime now = now();
    String id = UUID.randomUUID().toString();
    // A user first seen here becomes a placeholder the portal completes later (PUT /api/support/users/{id}).
    return pool.withTransaction(c -> c.preparedQuery("INSERT INTO users (id, language, placeholder, created_at) "
            + "VALUES ($1, COALESCE($2, 'nl'), TRUE, $3) ON CONFLICT (id) DO NOTHING")
        .execute(Tuple.of(userId, language, now))
        .compose(x -> c.preparedQuery("SELECT language FROM users WHERE id = $1").execute(Tuple.of(userId)))
        .compose(rows -> {
          String lang = language != null ? language : rows.iterator().next().getString(0);
          return c.preparedQuery("INSERT INTO support_conversations (id, user_id, subject, status, language, "
              + "created_at, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $5) RETURNING " + CONVERSATION_COLUMNS)
              .execute(Tuple.of(id, userId, subject, lang, now));
        })
        .compose(rows -> insertMessage(c, id, "customer", content, new JsonObject(), now)
            .map(m -> conversation(rows.iterator().next()))));
  }

  /** The conversation, or a 404. */
  public Future<Conversation> find(String id) {
    return pool.preparedQuery("SELECT " + CONVERSATION_COLUMNS + " FROM support_conversations WHERE id = $1")
        .execute(Tuple.of(id))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(HttpFailure.notFound("no conversation " + id))
            : Future.succeededFuture(conversation(rows.iterator().next())));
  }

  /** The conversation when it belongs to the user; another user's conversation is a 404, as if it did not exist. */
  public Future<Conversation> findForUser(String id, String userId) {
    return find(id).compose(c -> c.userId().equals(userId) ? Future.succeededFuture(c)
        : Future.failedFuture(HttpFailure.notFound("no conversation " + id)));
  }

  /** The user's conversation with its messages, read as one consistent snapshot; another user's is a 404. */
  public Future<JsonObject> readForUser(String id, String userId) {
    return pool.withTransaction(c -> c.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
        .compose(x -> c.preparedQuery("SELECT " + CONVERSATION_COLUMNS + " FROM support_conversations WHERE id = $1 "
            + "AND user_id = $2").execute(Tuple.of(id, userId)))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(HttpFailure.notFound("no conversation " + id));
          }
          Conversation conv = conversation(rows.iterator().next());
          return c.preparedQuery("SELECT id, conversation_id, sender_type, content, metadata, created_at "
              + "FROM support_messages WHERE conversation_id = $1 ORDER BY id").execute(Tuple.of(id))
              .map(ms -> {
                List<Message> list = new ArrayList<>();
                ms.forEach(r -> list.add(message(r)));
                return withMessages(conv, list);
              });
        }))
        // What the desk's reply e-mail waits for: the customer has seen the conversation.
        .compose(json -> pool.preparedQuery("UPDATE support_conversations SET customer_read_at = $3 WHERE id = $1 "
            + "AND user_id = $2").execute(Tuple.of(id, userId, now())).map(json));
  }

  /** The messages of a conversation, oldest first. */
  public Future<List<Message>> messages(String conversationId) {
    return pool.preparedQuery("SELECT id, conversation_id, sender_type, content, metadata, created_at "
        + "FROM support_messages WHERE conversation_id = $1 ORDER BY id")
        .execute(Tuple.of(conversationId))
        .map(rows -> {
          List<Message> list = new ArrayList<>();
          rows.forEach(r -> list.add(message(r)));
          return list;
        });
  }

  /** Adds a customer message; a finished conversation is reopened so the agent looks at it again. */
  public Future<Message> addCustomerMessage(String id, String userId, String content) {
    OffsetDateTime now = now();
    return pool.withTransaction(c -> c.preparedQuery("UPDATE support_conversations SET status = CASE WHEN status IN "
        + "('resolved', 'closed', 'waiting_customer') THEN 'open' ELSE status END, resolved_at = NULL, updated_at = $3 "
        + "WHERE id = $1 AND user_id = $2 RETURNING id")
        .execute(Tuple.of(id, userId, now))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(HttpFailure.notFound("no conversation " + id))
            : insertMessage(c, id, "customer", content, new JsonObject(), now)))
        .recover(e -> e instanceof PgException && "23505".equals(((PgException) e).getSqlState())
            ? Future.failedFuture(HttpFailure.conflict("another open ticket exists for the same error; write there"))
            : Future.failedFuture(e));
  }

  /**
   * Adds an agent (or system) message and sets the status in one transaction. {@code answered} marks an answer
   * the 24-hour follow-up should ask about.
   */
  public Future<Message> reply(String id, String senderType, String content, JsonObject metadata, String status,
      String handledBy, boolean answered) {
    OffsetDateTime now = now();
    return pool.withTransaction(c -> insertMessage(c, id, senderType, content, metadata, now)
        .compose(m -> c.preparedQuery("UPDATE support_conversations SET status = $2, handled_by = $3, "
            + "first_response_at = COALESCE(first_response_at, $4), updated_at = $4, "
            + "agent_answered_at = CASE WHEN $5 THEN $4 ELSE agent_answered_at END, "
            + "follow_up_sent_at = CASE WHEN $5 THEN NULL ELSE follow_up_sent_at END, "
            + "resolved_at = CASE WHEN $2 = 'resolved' THEN $4 ELSE resolved_at END WHERE id = $1")
            .execute(Tuple.of(id, status, handledBy, now, answered))
            .map(r -> m)));
  }

  /** Records the customer's rating; not resolved hands the conversation to a human. */
  public Future<Conversation> rate(String id, String userId, int rating, boolean resolved) {
    OffsetDateTime now = now();
    return pool.preparedQuery("UPDATE support_conversations SET satisfaction_rating = $3, resolved_by_customer = $4, "
        + "status = CASE WHEN $4 THEN 'resolved' ELSE 'escalated' END, "
        + "handled_by = CASE WHEN $4 THEN handled_by ELSE 'human' END, "
        + "resolved_at = CASE WHEN $4 THEN COALESCE(resolved_at, $5) ELSE NULL END, updated_at = $5 "
        + "WHERE id = $1 AND user_id = $2 RETURNING " + CONVERSATION_COLUMNS)
        .execute(Tuple.of(id, userId, rating, resolved, now))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(HttpFailure.notFound("no conversation " + id))
            : Future.succeededFuture(conversation(rows.iterator().next())))
        .recover(e -> e instanceof PgException && "23505".equals(((PgException) e).getSqlState())
            ? Future.failedFuture(HttpFailure.conflict("another open ticket exists for the same error"))
            : Future.failedFuture(e));
  }

  /** Marks that the follow-up question was asked (only once per answer). True when this call marked it. */
  public Future<Boolean> markFollowUpSent(String id) {
    return pool.preparedQuery("UPDATE support_conversations SET follow_up_sent_at = $2 "
        + "WHERE id = $1 AND follow_up_sent_at IS NULL RETURNING id")
        .execute(Tuple.of(id, now()))
        .map(rows -> rows.size() == 1);
  }

  /** Conversations whose answer has waited {@code after} without a customer reply and got no follow-up yet. */
  public Future<List<String>> dueForFollowUp(Duration after, int limit) {
    return pool.preparedQuery("SELECT id FROM support_conversations WHERE status = 'waiting_customer' "
        + "AND follow_up_sent_at IS NULL AND agent_answered_at IS NOT NULL AND agent_answered_at <= $1 "
        + "ORDER BY agent_answered_at LIMIT $2")
        .execute(Tuple.of(now().minus(after), limit))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString(0)));
          return ids;
        });
  }

  /**
   * Claims open conversations the agent has not answered for {@code after}: the last message is the customer's, or
   * an auto-ticket has no answer yet. Claiming bumps {@code updated_at}, so several instances never take the same
   * one at once (SKIP LOCKED) and a conversation is retried at most once per {@code after}.
   */
  public Future<List<String>> claimUnanswered(Duration after, int limit) {
    OffsetDateTime now = now();
    return pool.preparedQuery("UPDATE support_conversations SET updated_at = $3 WHERE id IN (SELECT c.id FROM "
        + "support_conversations c WHERE c.status = 'open' AND c.handled_by = 'ai' AND c.updated_at <= $1 AND ("
        + "(SELECT m.sender_type FROM support_messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1) "
        + "= 'customer' OR (c.auto_created AND c.first_response_at IS NULL)) ORDER BY c.updated_at LIMIT $2 "
        + "FOR UPDATE SKIP LOCKED) RETURNING id")
        .execute(Tuple.of(now.minus(after), limit, now))
        .map(rows -> {
          List<String> ids = new ArrayList<>();
          rows.forEach(r -> ids.add(r.getString(0)));
          return ids;
        });
  }

  private static Future<Message> insertMessage(SqlClient c, String id, String sender, String content,
      JsonObject metadata, OffsetDateTime at) {
    return c.preparedQuery("INSERT INTO support_messages (conversation_id, sender_type, content, metadata, created_at) "
        + "VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .execute(Tuple.of(id, sender, content, metadata, at))
        .map(rows -> new Message(rows.iterator().next().getLong(0), id, sender, content, metadata, at.toInstant()));
  }

  static Conversation conversation(Row r) {
    return new Conversation(r.getString("id"), r.getString("user_id"), r.getString("subject"), r.getString("status"),
        r.getString("category"), r.getString("priority"), r.getString("handled_by"), r.getString("language"),
        r.getInteger("satisfaction_rating") == null ? null : r.getInteger("satisfaction_rating"),
        r.getBoolean("resolved_by_customer"), Boolean.TRUE.equals(r.getBoolean("auto_created")),
        r.getString("fingerprint"), r.getString("error_type"),
        r.getInteger("occurrence_count") == null ? 0 : r.getInteger("occurrence_count"),
        instant(r, "first_response_at"), instant(r, "resolved_at"), instant(r, "agent_answered_at"),
        instant(r, "follow_up_sent_at"), instant(r, "created_at"), instant(r, "updated_at"));
  }

  static Message message(Row r) {
    Object meta = r.getValue("metadata");
    JsonObject m = meta instanceof JsonObject ? (JsonObject) meta : new JsonObject();
    return new Message(r.getLong("id"), r.getString("conversation_id"), r.getString("sender_type"),
        r.getString("content"), m, instant(r, "created_at"));
  }

  private static Instant instant(Row r, String column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }

  private static String str(Instant i) {
    return i == null ? null : i.toString();
  }

  /** The API shape of a conversation with its messages. */
  public static JsonObject withMessages(Conversation c, List<Message> messages) {
    JsonArray arr = new JsonArray();
    messages.forEach(m -> arr.add(m.toJson()));
    return c.toJson().put("messages", arr);
  }
}
