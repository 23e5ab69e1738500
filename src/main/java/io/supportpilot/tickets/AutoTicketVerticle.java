package io.supportpilot.tickets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.bus.TicketWork;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Auto-tickets: for each stored error with a user, the open ticket of its (user, fingerprint) gets the new
 * context (occurrence count and last seen at every flush; the newest sample with an "occurred again" message, at most
 * once per interval),
 * or a new auto-ticket is created with the error's context as a system message. {@link OpenTickets} (Caffeine)
 * maps (user, fingerprint) to the open ticket; Postgres answers on a miss or after a restart. The writer sets
 * {@code ticket_id} in the insert when the ticket is known, so only the other rows are linked here. Creation goes through
 * {@code INSERT ... ON CONFLICT} on the partial unique index, so a burst of identical errors, even from several
 * instances, opens one ticket. Every statement covers a whole batch. Publishes {@link TicketEvent}s.
 */
public final class AutoTicketVerticle extends VerticleBase {

  /** Tickets created or updated, by {@code kind} (a Counter). */
  public static final String METER_TICKETS = "supportpilot.tickets.auto";
  /** Stored errors waiting for ticket work (a Gauge). */
  public static final String METER_QUEUED = "supportpilot.tickets.queued";

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
  static final String SWEEP = "SELECT source, event_id, user_id, connection_id, tool, error_type, error_code,"
      + " status_code, level, message, stack, context::text, fingerprint, occurred_at, created_at"
      + " FROM support_error_log WHERE ticket_id IS NULL AND user_id IS NOT NULL"
      + " AND created_at >= $2 AND created_at < now() - interval '30 seconds'"
      + " ORDER BY created_at LIMIT $1";

  private static final Logger LOG = LoggerFactory.getLogger(AutoTicketVerticle.class);
  private static final int MAX_BATCH = 2000;
  /** Errors held for coalesced ticket updates before a flush is forced (bounds memory between flushes). */
  static final int MAX_DEFERRED_EVENTS = 10_000;

  private final Pool pool;
  private final Clock clock;
  private final Duration messageInterval;
  private final Duration updateInterval;
  private final int maxQueued;
  private final OpenTickets cache;
  private final Counter created;
  private final Counter updated;
  private final AtomicInteger queuedGauge = new AtomicInteger();
  private final ArrayDeque<Work> queue = new ArrayDeque<>();
  private boolean working;
  private boolean overflowed;
  private Instant sweepFrom;
  private long sweepTimer = -1;
  private MessageConsumer<TicketWork> consumer;
  private Promise<Void> drained;
  /** Open tickets with errors not yet counted in Postgres, by ticket id: one UPDATE row each per flush. */
  private final Map<String, Group> deferred = new LinkedHashMap<>();
  private int deferredEvents;
  private boolean flushDue;
  private long flushTimer = -1;

  private record Key(String userId, String fingerprint) {
  }

  /** A stored error and the ticket id its row got in the insert (null if none). */
  private record Work(ErrorEvent event, String linked) {
  }

  private static final class Group {
    final Key key;
    final List<ErrorEvent> events = new ArrayList<>();
    final List<String> linked = new ArrayList<>();
    ErrorEvent newest;
    OpenTickets.Ticket ticket;
    boolean createdNow;
    boolean writeMessage;
    long total;
    /** Counted at the next flush: no message or ticket event with its batch. */
    boolean deferred;

    Group(Key key) {
      this.key = key;
    }
  }

  /** Auto-tickets on the shared pool, with ticket updates coalesced per {@code updateInterval} (zero: per batch). */
  public AutoTicketVerticle(Pool pool, Clock clock, OpenTickets openTickets, Duration messageInterval,
      Duration updateInterval, int maxQueued, MeterRegistry registry) {
    this.pool = pool;
    this.clock = clock;
    this.messageInterval = messageInterval;
    this.updateInterval = updateInterval;
    this.maxQueued = maxQueued;
    this.cache = openTickets;
    this.created = Counter.builder(METER_TICKETS).tag("kind", TicketEvent.CREATED)
        .description("auto-tickets created or updated").register(registry);
    this.updated = Counter.builder(METER_TICKETS).tag("kind", TicketEvent.UPDATED)
        .description("auto-tickets created or updated").register(registry);
    Gauge.builder(METER_QUEUED, queuedGauge, AtomicInteger::get).description("stored errors waiting for ticket work")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().<TicketWork>localConsumer(Addresses.TICKET_WORK).handler(m -> {
      List<ErrorEvent> events = m.body().events();
      List<String> linked = m.body().linkedTickets();
      if (queue.size() + events.size() > maxQueued) {
        // Never grow without bound: these rows stay without ticket_id and the sweep picks them up later.
        if (!overflowed) {
          if (sweepFrom == null) {
            sweepFrom = clock.instant().minusSeconds(5);
          }
          LOG.warn("ticket work is {} errors behind; further errors are linked later by the sweep", queue.size());
        }
        overflowed = true;
        scheduleSweep(5_000);
        return;
      }
      for (int i = 0; i < events.size(); i++) {
        ErrorEvent e = events.get(i);
        if (e.userId() != null && !e.userId().isEmpty()) {
          queue.addLast(new Work(e, linked.get(i)));
        }
      }
      queuedGauge.set(queue.size());
      work();
    });
    // Errors stored before a crash or restart that never got their ticket work.
    sweepFrom = clock.instant().minus(Duration.ofDays(2));
    if (!updateInterval.isZero()) {
      flushTimer = vertx.setPeriodic(Math.max(1, updateInterval.toMillis()), t -> {
        if (!deferred.isEmpty()) {
          flushDue = true;
          work();
        }
      });
    }
    scheduleSweep(1_000);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    if (flushTimer >= 0) {
      vertx.cancelTimer(flushTimer);
    }
    drained = Promise.promise();
    Future<Void> unregistered = consumer.unregister();
    // Counts still held in memory are written before the stop completes.
    work();
    // Bounded: what is still queued at shutdown is linked by the next start's sweep.
    return unregistered.compose(v -> drained.future().timeout(10, TimeUnit.SECONDS))
        .recover(e -> Future.succeededFuture());
  }

  private void scheduleSweep(long delayMs) {
    if (sweepTimer >= 0) {
      return;
    }
    sweepTimer = vertx.setTimer(delayMs, t -> {
      sweepTimer = -1;
      sweep();
    });
  }

  private void sweep() {
    if (sweepFrom == null) {
      return;
    }
    if (working || !queue.isEmpty()) {
      scheduleSweep(1_000);
      return;
    }
    working = true;
    OffsetDateTime from = OffsetDateTime.ofInstant(sweepFrom, ZoneOffset.UTC);
    pool.preparedQuery(SWEEP).execute(Tuple.of(MAX_BATCH, from)).onComplete(ar -> {
      working = false;
      if (ar.failed()) {
        LOG.warn("ticket sweep failed: {}", ar.cause().getMessage());
        scheduleSweep(10_000);
        return;
      }
      int n = 0;
      Instant last = sweepFrom;
      for (Row r : ar.result()) {
        last = r.getOffsetDateTime(14).toInstant();
        queue.addLast(new Work(new ErrorEvent(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
            r.getString(4), r.getString(5), r.getString(6), r.getInteger(7), r.getString(8), r.getString(9),
            r.getString(10), r.getString(11), r.getString(12), r.getOffsetDateTime(13).toInstant(),
            r.getOffsetDateTime(14).toInstant()), null));
        n++;
      }
      if (n > 0) {
        LOG.info("ticket sweep: {} stored errors had no ticket yet", n);
      }
      if (n == MAX_BATCH) {
        sweepFrom = last;
        scheduleSweep(100);
      } else if (overflowed) {
        // Errors dropped while we were behind may still be younger than 30 s: look again shortly.
        overflowed = false;
        scheduleSweep(35_000);
      } else {
        sweepFrom = null;
      }
      work();
    });
  }

  private void work() {
    if (working) {
      return;
    }
    if (!deferred.isEmpty() && (flushDue || deferredEvents >= MAX_DEFERRED_EVENTS || updateInterval.isZero()
        || queue.isEmpty() && drained != null)) {
      flushDeferred();
      return;
    }
    if (queue.isEmpty()) {
      queuedGauge.set(0);
      if (drained != null) {
        drained.tryComplete();
      }
      return;
    }
    working = true;
    List<Work> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
    while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(queue.pollFirst());
    }
    queuedGauge.set(queue.size());
    process(batch).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("auto-ticket work for {} errors failed ({}); they are retried by the sweep", batch.size(),
            ar.cause().getMessage());
        scheduleSweep(10_000);
      }
      working = false;
      work();
    });
  }

  /** Ticket work for one batch of stored errors, in a handful of batch statements. */
  private Future<Void> process(List<Work> batch) {
    Map<Key, Group> groups = new LinkedHashMap<>();
    for (Work w : batch) {
      ErrorEvent e = w.event();
      Group g = groups.computeIfAbsent(new Key(e.userId(), e.fingerprint()), Group::new);
      g.events.add(e);
      g.linked.add(w.linked());
      if (g.newest == null || !e.occurredAt().isBefore(g.newest.occurredAt())) {
        g.newest = e;
      }
    }
    List<Group> misses = new ArrayList<>();
    for (Group g : groups.values()) {
      g.ticket = cache.get(g.key.userId(), g.key.fingerprint());
      if (g.ticket == null) {
        misses.add(g);
      }
    }
    return lookup(misses)
        .compose(v -> create(groups))
        .compose(v -> {
          defer(groups);
          return messages(groups);
        })
        .compose(v -> link(groups))
        .map(v -> {
          publish(groups);
          return null;
        });
  }

  /**
   * Errors of tickets that already exist are not counted right away: they join the ticket's pending update, and one
   * UPDATE row per ticket is written per {@code updateInterval} (or once {@link #MAX_DEFERRED_EVENTS} wait), with
   * the "occurred again" message and the {@code updated} ticket event. A storm that hits a ticket many times in an
   * interval costs one row update instead of one per batch. The rows in {@code support_error_log} carry the ticket
   * id from their insert (or the link below), so they, not {@code occurrence_count}, are the exact record: a crash
   * loses at most one interval of count increments (a clean stop writes them).
   */
  private void defer(Map<Key, Group> groups) {
    for (Group g : groups.values()) {
      if (g.ticket == null || g.createdNow) {
        continue;
      }
      // Its rows are still linked with this batch (link below); messages and events wait for the flush.
      g.deferred = true;
      deferredEvents += g.events.size();
      Group held = deferred.get(g.ticket.id);
      if (held == null) {
        deferred.put(g.ticket.id, g);
      } else {
        held.events.addAll(g.events);
        held.linked.addAll(g.linked);
        if (!g.newest.occurredAt().isBefore(held.newest.occurredAt())) {
          held.newest = g.newest;
        }
      }
    }
  }

  /** Writes the pending ticket updates: one UPDATE for all of them, their messages, their ticket events. */
  private void flushDeferred() {
    working = true;
    flushDue = false;
    Map<Key, Group> groups = new LinkedHashMap<>();
    for (Group g : deferred.values()) {
      g.deferred = false;
      groups.put(g.key, g);
    }
    deferred.clear();
    deferredEvents = 0;
    update(groups)
        .compose(v -> messages(groups))
        .map(v -> {
          publish(groups);
          return null;
        })
        .onComplete(ar -> {
          if (ar.failed()) {
            // As before coalescing: a failed count update is not retried (the linked log rows stay exact).
            LOG.warn("ticket updates for {} tickets failed ({})", groups.size(), ar.cause().getMessage());
          }
          working = false;
          work();
        });
  }

  private Future<Void> lookup(List<Group> misses) {
    if (misses.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] users = new String[misses.size()];
    String[] fps = new String[misses.size()];
    Map<Key, Group> byKey = new HashMap<>();
    for (int i = 0; i < misses.size(); i++) {
      users[i] = misses.get(i).key.userId();
      fps[i] = misses.get(i).key.fingerprint();
      byKey.put(misses.get(i).key, misses.get(i));
    }
    return pool.preparedQuery(LOOKUP).execute(Tuple.of(users, (Object) fps)).map(rows -> {
      for (Row r : rows) {
        Key k = new Key(r.getString(1), r.getString(2));
        Group g = byKey.get(k);
        if (g != null) {
          OffsetDateTime last = r.getOffsetDateTime(3);
          g.ticket = new OpenTickets.Ticket(r.getString(0), last == null ? null : last.toInstant());
          cache.put(k.userId(), k.fingerprint(), g.ticket);
        }
      }
      return null;
    });
  }

  private Future<Void> create(Map<Key, Group> groups) {
    List<Group> fresh = new ArrayList<>();
    for (Group g : groups.values()) {
      if (g.ticket == null) {
        fresh.add(g);
      }
    }
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = fresh.size();
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
    Map<String, Group> byId = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Group g = fresh.get(i);
      ErrorEvent e = g.newest;
      id[i] = UUID.randomUUID().toString();
      user[i] = g.key.userId();
      fp[i] = g.key.fingerprint();
      subject[i] = TicketContent.subject(e);
      category[i] = TicketContent.category(e);
      priority[i] = TicketContent.priority(e);
      count[i] = g.events.size();
      seen[i] = OffsetDateTime.ofInstant(e.occurredAt(), ZoneOffset.UTC);
      sample[i] = TicketContent.sample(e);
      type[i] = e.errorType();
      byId.put(id[i], g);
    }
    return pool.preparedQuery(CREATE)
        .execute(Tuple.of(id, user, fp, subject, category, priority, count, seen, sample, type))
        .compose(rows -> {
          List<Group> lost = new ArrayList<>();
          for (Row r : rows) {
            Group g = byId.remove(r.getString(0));
            g.ticket = new OpenTickets.Ticket(r.getString(0), clock.instant());
            g.createdNow = true;
            g.writeMessage = true;
            g.total = g.events.size();
            cache.put(g.key.userId(), g.key.fingerprint(), g.ticket);
          }
          // Another instance created these tickets between our lookup and insert: add to theirs.
          lost.addAll(byId.values());
          return lookup(lost);
        });
  }

  private Future<Void> update(Map<Key, Group> groups) {
    List<Group> existing = new ArrayList<>();
    Instant now = clock.instant();
    for (Group g : groups.values()) {
      if (g.ticket != null && !g.createdNow) {
        existing.add(g);
      }
    }
    if (existing.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = existing.size();
    String[] id = new String[n];
    Integer[] count = new Integer[n];
    OffsetDateTime[] seen = new OffsetDateTime[n];
    String[] sample = new String[n];
    Boolean[] msg = new Boolean[n];
    Map<String, Group> byId = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Group g = existing.get(i);
      Instant last = g.ticket.lastMessageAt;
      g.writeMessage = last == null || Duration.between(last, now).compareTo(messageInterval) >= 0;
      id[i] = g.ticket.id;
      count[i] = g.events.size();
      seen[i] = OffsetDateTime.ofInstant(g.newest.occurredAt(), ZoneOffset.UTC);
      sample[i] = g.writeMessage ? TicketContent.sample(g.newest) : null;
      msg[i] = g.writeMessage;
      byId.put(id[i], g);
    }
    return pool.preparedQuery(UPDATE).execute(Tuple.of(id, count, seen, sample, msg)).map(rows -> {
      for (Row r : rows) {
        Group g = byId.remove(r.getString(0));
        if (g != null) {
          g.total = r.getInteger(1);
          if (g.writeMessage) {
            g.ticket.lastMessageAt = now;
          }
        }
      }
      // Tickets resolved or closed meanwhile: forget them; their errors go round again and open a new ticket.
      for (Group g : byId.values()) {
        cache.invalidate(g.key.userId(), g.key.fingerprint());
        g.ticket = null;
        g.writeMessage = false;
        for (ErrorEvent e : g.events) {
          queue.addLast(new Work(e, null));
        }
      }
      return null;
    });
  }

  private Future<Void> messages(Map<Key, Group> groups) {
    List<String> conv = new ArrayList<>();
    List<String> content = new ArrayList<>();
    List<String> meta = new ArrayList<>();
    for (Group g : groups.values()) {
      if (g.ticket == null || !g.writeMessage || g.deferred) {
        continue;
      }
      ErrorEvent e = g.newest;
      conv.add(g.ticket.id);
      content.add(g.createdNow ? TicketContent.firstMessage(e, g.events.size())
          : TicketContent.againMessage(e, g.events.size(), g.total));
      meta.add(new JsonObject().put("kind", g.createdNow ? "auto_ticket_created" : "error_recurred")
          .put("event_id", e.eventId()).put("source", e.source()).put("fingerprint", e.fingerprint())
          .put("occurrence_count", g.total).encode());
    }
    if (conv.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(MESSAGES).execute(Tuple.of(conv.toArray(new String[0]),
        content.toArray(new String[0]), meta.toArray(new String[0]))).mapEmpty();
  }

  private Future<Void> link(Map<Key, Group> groups) {
    List<String> s = new ArrayList<>();
    List<String> e = new ArrayList<>();
    List<String> t = new ArrayList<>();
    List<Boolean> c = new ArrayList<>();
    for (Group g : groups.values()) {
      if (g.ticket == null) {
        continue;
      }
      for (int i = 0; i < g.events.size(); i++) {
        ErrorEvent ev = g.events.get(i);
        if (!g.createdNow && g.ticket.id.equals(g.linked.get(i))) {
          continue; // the insert already set this row's ticket_id
        }
        s.add(ev.source());
        e.add(ev.eventId());
        t.add(g.ticket.id);
        c.add(g.createdNow && i == 0);
      }
    }
    if (s.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(LINK).execute(Tuple.of(s.toArray(new String[0]), e.toArray(new String[0]),
        t.toArray(new String[0]), c.toArray(new Boolean[0]))).mapEmpty();
  }

  private void publish(Map<Key, Group> groups) {
    for (Group g : groups.values()) {
      if (g.ticket == null || g.deferred) {
        continue;
      }
      if (g.createdNow) {
        created.increment();
      } else {
        updated.increment();
      }
      vertx.eventBus().publish(Addresses.TICKETS_CHANGED, new TicketEvent(
          g.createdNow ? TicketEvent.CREATED : TicketEvent.UPDATED, g.ticket.id, g.key.userId(),
          g.key.fingerprint(), g.newest.errorType(), g.total, g.newest));
    }
  }
}
