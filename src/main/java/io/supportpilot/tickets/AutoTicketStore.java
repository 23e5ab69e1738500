package io.supportpilot.tickets;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.store.StoredErrorRows;
import io.supportpilot.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Postgres statements of the auto-tickets, each over a whole batch: find the open tickets of (user, fingerprint)
 * pairs, create tickets ({@code INSERT ... ON CONFLICT} on the partial unique index, so a pair never gets two open
 * tickets, even from several instances), count new occurrences, write system messages, set {@code ticket_id} on
 * {@code support_error_log} rows, and read the stored errors that never got ticket work. An empty batch runs no
 * statement.
 */
public final class AutoTicketStore {

  static final String LOOKUP = "SELECT c.id, c.user_id, c.fingerprint, c.last_context_message_at"
      + " FROM support_conversations c JOIN unnest($1::text[], $2::text[]) AS k(u, f)"
      + " ON c.user_id = k.u AND c.fingerprint = k.f"
      + " WHERE c.fingerprint IS NOT NULL AND c.status NOT IN ('resolved', 'closed')";
  static final String CREATE = "INSERT INTO support_conversations (id, user_id, subject, status, category,"
      + " priority, handled_by, language, auto_created, fingerprint, error_type, occurrence_count, last_seen_at,"
      + " last_error_sample, last_context_message_at)"
      + " SELECT x.id, x.u, x.subj, 'open', x.cat, x.prio, 'ai',"
      + " COALESCE((SELECT language FROM users WHERE users.id = x.u), 'nl'), TRUE, x.f, x.et, x.n, x.seen,"
      + " x.sample::jsonb, now()"
      + " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[],"
      + " $8::timestamptz[], $9::text[], $10::text[]) AS x(id, u, f, subj, cat, prio, n, seen, sample, et)"
      + " ON CONFLICT (user_id, fingerprint) WHERE fingerprint IS NOT NULL AND status NOT IN ('resolved', 'closed')"
      + " DO NOTHING RETURNING id, user_id, fingerprint";
  /**
   * The count and last-seen move with every flush; the sample, {@code updated_at} and the message time only with an
   * "occurred again" message. An update without a message then changes no indexed column and fires no desk trigger
   * (V180), so Postgres applies it in place (HOT) and rewrites no index and no TOASTed sample.
   */
  static final String UPDATE = "UPDATE support_conversations c SET occurrence_count = c.occurrence_count + x.n,"
      + " last_seen_at = GREATEST(c.last_seen_at, x.seen),"
      + " last_error_sample = CASE WHEN x.msg THEN x.sample::jsonb ELSE c.last_error_sample END,"
      + " updated_at = CASE WHEN x.msg THEN now() ELSE c.updated_at END,"
      + " last_context_message_at = CASE WHEN x.msg THEN now() ELSE c.last_context_message_at END"
      + " FROM unnest($1::text[], $2::int4[], $3::timestamptz[], $4::text[], $5::bool[]) AS x(id, n, seen, sample, msg)"
      + " WHERE c.id = x.id AND c.status NOT IN ('resolved', 'closed') RETURNING c.id, c.occurrence_count";
  static final String MESSAGES = "INSERT INTO support_messages (conversation_id, sender_type, content, metadata)"
      + " SELECT x.c, 'system', x.content, x.meta::jsonb FROM unnest($1::text[], $2::text[], $3::text[])"
      + " AS x(c, content, meta)";
  static final String LINK = "UPDATE support_error_log l SET ticket_id = x.t, auto_ticket_created = x.created"
      + " FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS x(s, e, t, created)"
      + " WHERE l.source = x.s AND l.event_id = x.e";
  static final String SWEEP = "SELECT " + StoredErrorRows.COLUMNS
      + " FROM support_error_log WHERE ticket_id IS NULL AND user_id IS NOT NULL"
      + " AND created_at >= $2 AND created_at < now() - interval '30 seconds'"
      + " ORDER BY created_at LIMIT $1";
  static final String UNLINK = "UPDATE support_error_log l SET ticket_id = NULL, auto_ticket_created = FALSE"
      + " FROM unnest($1::text[], $2::text[], $3::text[]) AS x(s, e, t)"
      + " WHERE l.source = x.s AND l.event_id = x.e AND l.ticket_id = x.t RETURNING " + StoredErrorRows.COLUMNS;

  /** A (user, fingerprint) pair: it has at most one open auto-ticket. */
  record UserFingerprint(String userId, String fingerprint) {

    // Written out, not generated, as in EventKey: these keys are looked up for every stored error.
    @Override
    public boolean equals(Object o) {
      return o == this || o instanceof UserFingerprint u && Objects.equals(userId, u.userId)
          && Objects.equals(fingerprint, u.fingerprint);
    }

    @Override
    public int hashCode() {
      return 31 * Objects.hashCode(userId) + Objects.hashCode(fingerprint);
    }
  }

  /** The open ticket of a pair and when its last context message was written (null if never). */
  record FoundTicket(UserFingerprint pair, String id, Instant lastMessageAt) {
  }

  /** A ticket to create: its new id, its pair, and the values of its row. */
  record NewTicket(String id, UserFingerprint pair, String subject, String category, String priority, int count,
      Instant seen, String sample, String errorType) {
  }

  /** New occurrences of an open ticket; the sample (null without a message) is written only with a message. */
  record Occurrences(String ticketId, int count, Instant seen, String sample, boolean message) {
  }

  /** A system message on a ticket, its metadata as JSON text. */
  record SystemMessage(String ticketId, String content, String metadata) {
  }

  /** A stored error row and its ticket; {@code created} marks the error that opened the ticket. */
  record LogLink(String source, String eventId, String ticketId, boolean created) {
  }

  private final Pool pool;

  /** A store on the engine's pool. */
  public AutoTicketStore(Pool pool) {
    this.pool = pool;
  }

  /** The open tickets of these pairs; pairs without one are left out. */
  Future<List<FoundTicket>> openTickets(List<UserFingerprint> pairs) {
    if (pairs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] users = new String[pairs.size()];
    String[] fps = new String[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      users[i] = pairs.get(i).userId();
      fps[i] = pairs.get(i).fingerprint();
    }
    return pool.preparedQuery(LOOKUP).execute(Tuple.of(users, (Object) fps)).map(rows -> {
      List<FoundTicket> found = new ArrayList<>(rows.size());
      for (Row r : rows) {
        OffsetDateTime last = r.getOffsetDateTime(3);
        found.add(new FoundTicket(new UserFingerprint(r.getString(1), r.getString(2)), r.getString(0),
            last == null ? null : last.toInstant()));
      }
      return found;
    });
  }

  /** Creates these tickets; the ids of those created (a pair that already has an open ticket gets none). */
  Future<List<String>> create(List<NewTicket> tickets) {
    if (tickets.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    int n = tickets.size();
    String[] id = new String[n];
    String[] user = new String[n];
    String[] fp = new String[n];
    String[] subject = new String[n];
    String[] category = new String[n];
    String[] priority = new String[n];
    Integer[] count = new Integer[n];
    OffsetDateTime[] seen = new OffsetDateTime[n];
    String[] sample = new String[n];
    String[] type = new String[n];
    for (int i = 0; i < n; i++) {
      NewTicket t = tickets.get(i);
      id[i] = t.id();
      user[i] = t.pair().userId();
      fp[i] = t.pair().fingerprint();
      subject[i] = t.subject();
      category[i] = t.category();
      priority[i] = t.priority();
      count[i] = t.count();
      seen[i] = Timestamps.utc(t.seen());
      sample[i] = t.sample();
      type[i] = t.errorType();
    }
    return pool.preparedQuery(CREATE)
        .execute(Tuple.of(id, user, fp, subject, category, priority, count, seen, sample, type))
        .map(rows -> {
          List<String> created = new ArrayList<>(rows.size());
          for (Row r : rows) {
            created.add(r.getString(0));
          }
          return created;
        });
  }

  /**
   * Adds these occurrences to their tickets: the new {@code occurrence_count} by ticket id, for the tickets still
   * open (a ticket resolved or closed meanwhile is left out).
   */
  Future<Map<String, Integer>> countOccurrences(List<Occurrences> updates) {
    if (updates.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    int n = updates.size();
    String[] id = new String[n];
    Integer[] count = new Integer[n];
    OffsetDateTime[] seen = new OffsetDateTime[n];
    String[] sample = new String[n];
    Boolean[] msg = new Boolean[n];
    for (int i = 0; i < n; i++) {
      Occurrences u = updates.get(i);
      id[i] = u.ticketId();
      count[i] = u.count();
      seen[i] = Timestamps.utc(u.seen());
      sample[i] = u.sample();
      msg[i] = u.message();
    }
    return pool.preparedQuery(UPDATE).execute(Tuple.of(id, count, seen, sample, msg)).map(rows -> {
      Map<String, Integer> totals = new LinkedHashMap<>();
      for (Row r : rows) {
        totals.put(r.getString(0), r.getInteger(1));
      }
      return totals;
    });
  }

  /** Writes these system messages. */
  Future<Void> addMessages(List<SystemMessage> messages) {
    if (messages.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = messages.size();
    String[] conv = new String[n];
    String[] content = new String[n];
    String[] meta = new String[n];
    for (int i = 0; i < n; i++) {
      SystemMessage m = messages.get(i);
      conv[i] = m.ticketId();
      content[i] = m.content();
      meta[i] = m.metadata();
    }
    return pool.preparedQuery(MESSAGES).execute(Tuple.of(conv, content, meta)).mapEmpty();
  }

  /** Sets {@code ticket_id} (and {@code auto_ticket_created}) on these stored error rows. */
  Future<Void> link(List<LogLink> links) {
    if (links.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = links.size();
    String[] s = new String[n];
    String[] e = new String[n];
    String[] t = new String[n];
    Boolean[] c = new Boolean[n];
    for (int i = 0; i < n; i++) {
      LogLink l = links.get(i);
      s[i] = l.source();
      e[i] = l.eventId();
      t[i] = l.ticketId();
      c[i] = l.created();
    }
    return pool.preparedQuery(LINK).execute(Tuple.of(s, e, t, c)).mapEmpty();
  }

  /**
   * Up to {@code limit} stored errors with a user and no ticket, created from {@code from} until 30 seconds ago, in
   * the order they were stored.
   */
  Future<List<ErrorEvent>> unlinkedErrors(int limit, Instant from) {
    return pool.preparedQuery(SWEEP).execute(Tuple.of(limit, Timestamps.utc(from))).map(StoredErrorRows::events);
  }

  /**
   * Takes these stored errors off the ticket they were linked to ({@code ticket_id} back to null, as if they never
   * got ticket work) and returns them: the errors of a ticket that was resolved or closed before their count was
   * written, which go round again to a new ticket. Rows no longer linked to that ticket are left alone. Should the
   * engine stop before they are linked again, the next start's sweep finds them.
   */
  Future<List<ErrorEvent>> unlink(String[] sources, String[] eventIds, String[] ticketIds) {
    if (sources.length == 0) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(UNLINK).execute(Tuple.of(sources, eventIds, ticketIds)).map(StoredErrorRows::events);
  }
}
