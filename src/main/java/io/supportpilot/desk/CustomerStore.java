package io.supportpilot.desk;

import io.supportpilot.web.BearerAuth;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * Customers as the portal describes them: an upsert that also completes a placeholder created on first sight, and
 * erasure on request. Erasure keeps every row that counts (conversations, messages, errors) but removes what
 * identifies the person: message texts and subjects are redacted, errors lose their user and context, e-mails and
 * connections go, and the conversations carry a pseudonym instead of the user id.
 */
final class CustomerStore {

  static final String REDACTED = "[redacted on the customer's request]";

  private final Pool pool;
  private final Clock clock;

  CustomerStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** The upserted user and whether it was created (a completed placeholder counts as created). */
  record Upserted(JsonObject user, boolean created) {
  }

  Future<Upserted> upsert(String id, String email, String name, String plan, String language) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    return pool.preparedQuery("INSERT INTO users AS u (id, email, name, plan, language, placeholder, created_at, "
            + "updated_at) VALUES ($1, $2, $3, COALESCE($4, 'free'), COALESCE($5, 'nl'), FALSE, $6, $6) "
            + "ON CONFLICT (id) DO UPDATE SET email = COALESCE(EXCLUDED.email, u.email), "
            + "name = COALESCE(EXCLUDED.name, u.name), plan = COALESCE($4, u.plan), "
            + "language = COALESCE($5, u.language), placeholder = FALSE, updated_at = $6 "
            + "RETURNING id, email, name, plan, language, created_at, (xmax = 0) AS inserted")
        .execute(Tuple.of(id, email, name, plan, language, now))
        .map(rows -> {
          Row r = rows.iterator().next();
          JsonObject user = new JsonObject().put("id", r.getString("id")).put("email", r.getString("email"))
              .put("name", r.getString("name")).put("plan", r.getString("plan"))
              .put("language", r.getString("language"))
              .put("created_at", r.getOffsetDateTime("created_at").toInstant().toString());
          return new Upserted(user, r.getBoolean("inserted"));
        });
  }

  /** Erases the user's personal data; 404 for an unknown user. */
  Future<Void> erase(String id) {
    String pseudonym = "erased-" + BearerAuth.sha256Hex(id).substring(0, 16);
    // Each statement with its own parameters (Postgres needs to know the type of every parameter it is sent).
    List<Map.Entry<String, Tuple>> statements = List.of(
        Map.entry("UPDATE support_messages SET content = $2, metadata = '{}'::jsonb "
            + "WHERE conversation_id IN (SELECT id FROM support_conversations WHERE user_id = $1)",
            Tuple.of(id, REDACTED)),
        Map.entry("UPDATE conversation_notes SET content = $2 WHERE conversation_id IN "
            + "(SELECT id FROM support_conversations WHERE user_id = $1)", Tuple.of(id, REDACTED)),
        Map.entry("UPDATE support_conversations SET user_id = $2, subject = $3 WHERE user_id = $1",
            Tuple.of(id, pseudonym, REDACTED)),
        Map.entry("UPDATE support_error_log SET user_id = $2, connection_id = NULL, message = NULL, context = NULL "
            + "WHERE user_id = $1", Tuple.of(id, pseudonym)),
        Map.entry("UPDATE email_outbox SET user_id = $2, recipient = $3, subject = $3, body = $3, link = NULL "
            + "WHERE user_id = $1", Tuple.of(id, pseudonym, REDACTED)),
        Map.entry("UPDATE desk_reply_mail SET user_id = $2 WHERE user_id = $1", Tuple.of(id, pseudonym)),
        Map.entry("UPDATE api_usage SET user_id = $2, connection_id = NULL WHERE user_id = $1",
            Tuple.of(id, pseudonym)),
        // Calls acknowledged but not yet rolled up: they are rolled up under the pseudonym.
        Map.entry("UPDATE usage_pending SET user_ids = array_replace(user_ids, $1, $2) WHERE $1 = ANY(user_ids)",
            Tuple.of(id, pseudonym)),
        Map.entry("DELETE FROM users WHERE id = $1", Tuple.of(id)));
    return pool.withTransaction(tx -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (Map.Entry<String, Tuple> st : statements) {
        chain = chain.compose(n -> tx.preparedQuery(st.getKey()).execute(st.getValue()).map(r -> n + r.rowCount()));
      }
      return chain;
    }).compose(n -> n == 0 ? Future.failedFuture(HttpFailure.notFound("no user, conversation or error for " + id))
        : Future.<Void>succeededFuture());
  }
}
