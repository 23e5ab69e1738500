package io.supportpilot.tickets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.TicketEvent;
import io.supportpilot.bus.TicketWork;
import io.supportpilot.tickets.AutoTicketStore.FoundTicket;
import io.supportpilot.tickets.AutoTicketStore.LogLink;
import io.supportpilot.tickets.AutoTicketStore.NewTicket;
import io.supportpilot.tickets.AutoTicketStore.Occurrences;
import io.supportpilot.tickets.AutoTicketStore.SystemMessage;
import io.supportpilot.tickets.AutoTicketStore.UserFingerprint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * context (occurrence count and last seen at every flush; the newest sample with an "occurred again" message, at
 * most once per interval), or a new auto-ticket is created with the error's context as a system message. This
 * verticle queues the stored errors, sweeps for those that never got ticket work, groups them by (user,
 * fingerprint), holds the updates of existing tickets until the next flush, and publishes {@link TicketEvent}s;
 * {@link AutoTicketStore} runs each step as one statement for the whole batch and {@link TicketContent} words the
 * tickets. {@link OpenTickets} (Caffeine) maps (user, fingerprint) to the open ticket; Postgres answers on a miss or
 * after a restart. The writer sets {@code ticket_id} in the insert when the ticket is known, so only the other rows
 * are linked here. Creation goes through {@code INSERT ... ON CONFLICT} on the partial unique index, so a burst of
 * identical errors, even from several instances, opens one ticket.
 */
public final class AutoTicketVerticle extends VerticleBase {

  /** Tickets created or updated, by {@code kind} (a Counter). */
  public static final String METER_TICKETS = "supportpilot.tickets.auto";
  /** Stored errors waiting for ticket work (a Gauge). */
  public static final String METER_QUEUED = "supportpilot.tickets.queued";
  /** Stored errors linked to their ticket whose count update waits for the next flush (a Gauge). */
  public static final String METER_DEFERRED = "supportpilot.tickets.deferred";

  private static final Logger LOG = LoggerFactory.getLogger(AutoTicketVerticle.class);
  private static final int MAX_BATCH = 2000;

  private final AutoTicketStore store;
  private final Clock clock;
  private final Duration messageInterval;
  private final Duration updateInterval;
  private final int maxQueued;
  /** Errors held for coalesced ticket updates before a flush is forced (bounds memory between flushes). */
  private final int maxDeferredEvents;
  /** Ticket rows a flush may write per second of spacing (0: the interval is never stretched). */
  private final int maxUpdatesPerSecond;
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
  /** Errors held in {@code deferred} (also the {@link #METER_DEFERRED} gauge, read from the scraper's thread). */
  private final AtomicInteger deferredEvents = new AtomicInteger();
  private boolean flushDue;
  /** When the last flush of pending ticket updates started (System.nanoTime). */
  private long lastFlushNanos = System.nanoTime();
  private long flushTimer = -1;

  /** A stored error and the ticket id its row got in the insert (null if none). */
  private record Work(ErrorEvent event, String linked) {
  }

  private static final class Group {
    final UserFingerprint key;
    /** This batch's errors of the pair and the ticket id each row got in its insert (empty in a held update). */
    final List<ErrorEvent> events = new ArrayList<>();
    final List<String> linked = new ArrayList<>();
    /** The errors this group counts: its batch's, or in a held update all those waiting for the flush. */
    int count;
    /**
     * A held update's errors by key, not the errors themselves: between two flushes only their number and the newest
     * error are needed, and the keys find the rows again should the ticket be resolved meanwhile (held errors would
     * live through young collections and be copied by each). One array per batch, {@code source} and
     * {@code event_id} of each error in turn, so holding more errors copies nothing.
     */
    List<String[]> heldKeys;
    ErrorEvent newest;
    OpenTickets.Ticket ticket;
    boolean createdNow;
    boolean writeMessage;
    long total;
    /** Counted at the next flush: no message or ticket event with its batch. */
    boolean deferred;

    Group(UserFingerprint key) {
      this.key = key;
    }
  }

  /** Auto-tickets in this store, with ticket updates coalesced per {@code updateInterval} (zero: per batch). */
  public AutoTicketVerticle(AutoTicketStore store, Clock clock, OpenTickets openTickets, Duration messageInterval,
      Duration updateInterval, int maxQueued, int maxDeferredEvents, int maxUpdatesPerSecond, MeterRegistry registry) {
    this.store = store;
    this.clock = clock;
    this.messageInterval = messageInterval;
    this.updateInterval = updateInterval;
    this.maxQueued = maxQueued;
    this.maxDeferredEvents = maxDeferredEvents;
    this.maxUpdatesPerSecond = maxUpdatesPerSecond;
    this.cache = openTickets;
    this.created = Counter.builder(METER_TICKETS).tag("kind", TicketEvent.CREATED)
        .description("auto-tickets created or updated").register(registry);
    this.updated = Counter.builder(METER_TICKETS).tag("kind", TicketEvent.UPDATED)
        .description("auto-tickets created or updated").register(registry);
    Gauge.builder(METER_QUEUED, queuedGauge, AtomicInteger::get).description("stored errors waiting for ticket work")
        .register(registry);
    Gauge.builder(METER_DEFERRED, deferredEvents, AtomicInteger::get)
        .description("stored errors whose ticket's count update waits for the next flush").register(registry);
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
        // Half a tick of slack: a flush starts a little after its tick, and must not push the next one a tick later.
        if (!deferred.isEmpty()
            && System.nanoTime() - lastFlushNanos + updateInterval.toNanos() / 2 >= flushSpacingNanos()) {
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
    store.unlinkedErrors(MAX_BATCH, sweepFrom).onComplete(ar -> {
      working = false;
      if (ar.failed()) {
        LOG.warn("ticket sweep failed: {}", ar.cause().getMessage());
        scheduleSweep(10_000);
        return;
      }
      int n = 0;
      Instant last = sweepFrom;
      for (ErrorEvent e : ar.result()) {
        last = e.receivedAt();
        queue.addLast(new Work(e, null));
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
    if (!deferred.isEmpty() && (flushDue || deferredEvents.get() >= maxDeferredEvents || updateInterval.isZero()
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
    Map<UserFingerprint, Group> groups = new LinkedHashMap<>();
    for (Work w : batch) {
      ErrorEvent e = w.event();
      Group g = groups.computeIfAbsent(new UserFingerprint(e.userId(), e.fingerprint()), Group::new);
      g.events.add(e);
      g.linked.add(w.linked());
      g.count++;
      if (g.newest == null || !e.occurredAt().isBefore(g.newest.occurredAt())) {
        g.newest = e;
      }
    }
    List<Group> misses = new ArrayList<>();
    for (Group g : groups.values()) {
      g.ticket = cache.get(g.key);
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
   * UPDATE row per ticket is written per {@code updateInterval} (or once {@code maxDeferredEvents} wait), with
   * the "occurred again" message and the {@code updated} ticket event. A storm that hits a ticket many times in an
   * interval costs one row update instead of one per batch. The rows in {@code support_error_log} carry the ticket
   * id from their insert (or the link below), so they, not {@code occurrence_count}, are the exact record: a crash
   * loses at most one interval of count increments (a clean stop writes them).
   */
  private void defer(Map<UserFingerprint, Group> groups) {
    for (Group g : groups.values()) {
      if (g.ticket == null || g.createdNow) {
        continue;
      }
      // Its rows are still linked with this batch (link below); messages and events wait for the flush.
      g.deferred = true;
      deferredEvents.addAndGet(g.count);
      Group held = deferred.get(g.ticket.id);
      if (held == null) {
        held = new Group(g.key);
        held.ticket = g.ticket;
        held.newest = g.newest;
        held.heldKeys = new ArrayList<>();
        deferred.put(g.ticket.id, held);
      } else if (!g.newest.occurredAt().isBefore(held.newest.occurredAt())) {
        held.newest = g.newest;
      }
      held.count += g.count;
      String[] keys = new String[2 * g.events.size()];
      for (int i = 0; i < g.events.size(); i++) {
        ErrorEvent e = g.events.get(i);
        keys[2 * i] = e.source();
        keys[2 * i + 1] = e.eventId();
      }
      held.heldKeys.add(keys);
    }
  }

  /**
   * The time between two flushes: {@code updateInterval}, stretched under a storm so that the pending tickets are
   * written at no more than {@code maxUpdatesPerSecond} rows a second (0: never stretched). With 10,000 tickets
   * touched and 2,000 a second, each is written every 5 s instead of every second; few tickets keep the interval.
   */
  private long flushSpacingNanos() {
    long interval = updateInterval.toNanos();
    if (maxUpdatesPerSecond <= 0) {
      return interval;
    }
    return Math.max(interval, deferred.size() * 1_000_000_000L / maxUpdatesPerSecond);
  }

  /** Writes the pending ticket updates: one UPDATE for all of them, their messages, their ticket events. */
  private void flushDeferred() {
    working = true;
    flushDue = false;
    lastFlushNanos = System.nanoTime();
    Map<UserFingerprint, Group> groups = new LinkedHashMap<>();
    for (Group g : deferred.values()) {
      g.deferred = false;
      groups.put(g.key, g);
    }
    deferred.clear();
    deferredEvents.set(0);
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
    List<UserFingerprint> pairs = new ArrayList<>(misses.size());
    Map<UserFingerprint, Group> byKey = new HashMap<>();
    for (Group g : misses) {
      pairs.add(g.key);
      byKey.put(g.key, g);
    }
    return store.openTickets(pairs).map(found -> {
      for (FoundTicket t : found) {
        Group g = byKey.get(t.pair());
        if (g != null) {
          g.ticket = new OpenTickets.Ticket(t.id(), t.lastMessageAt());
          cache.put(t.pair(), g.ticket);
        }
      }
      return null;
    });
  }

  private Future<Void> create(Map<UserFingerprint, Group> groups) {
    List<NewTicket> fresh = new ArrayList<>();
    Map<String, Group> byId = new HashMap<>();
    for (Group g : groups.values()) {
      if (g.ticket != null) {
        continue;
      }
      ErrorEvent e = g.newest;
      String id = UUID.randomUUID().toString();
      fresh.add(new NewTicket(id, g.key, TicketContent.subject(e), TicketContent.category(e),
          TicketContent.priority(e), g.count, e.occurredAt(), TicketContent.sample(e), e.errorType()));
      byId.put(id, g);
    }
    return store.create(fresh).compose(ids -> {
      List<Group> lost = new ArrayList<>();
      for (String id : ids) {
        Group g = byId.remove(id);
        g.ticket = new OpenTickets.Ticket(id, clock.instant());
        g.createdNow = true;
        g.writeMessage = true;
        g.total = g.count;
        cache.put(g.key, g.ticket);
      }
      // Another instance created these tickets between our lookup and insert: add to theirs.
      lost.addAll(byId.values());
      return lookup(lost);
    });
  }

  private Future<Void> update(Map<UserFingerprint, Group> groups) {
    List<Occurrences> existing = new ArrayList<>();
    Map<String, Group> byId = new HashMap<>();
    Instant now = clock.instant();
    for (Group g : groups.values()) {
      if (g.ticket == null || g.createdNow) {
        continue;
      }
      Instant last = g.ticket.lastMessageAt;
      g.writeMessage = last == null || Duration.between(last, now).compareTo(messageInterval) >= 0;
      existing.add(new Occurrences(g.ticket.id, g.count, g.newest.occurredAt(),
          g.writeMessage ? TicketContent.sample(g.newest) : null, g.writeMessage));
      byId.put(g.ticket.id, g);
    }
    return store.countOccurrences(existing).compose(totals -> {
      for (Map.Entry<String, Integer> t : totals.entrySet()) {
        Group g = byId.remove(t.getKey());
        if (g != null) {
          g.total = t.getValue();
          if (g.writeMessage) {
            g.ticket.lastMessageAt = now;
          }
        }
      }
      // Tickets resolved or closed meanwhile: forget them; their errors go round again and open a new ticket. Their
      // rows are taken off the old ticket by key; should that statement fail, they stay on it (the flush logs it).
      List<String> sources = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      List<String> tickets = new ArrayList<>();
      for (Group g : byId.values()) {
        cache.invalidate(g.key);
        for (String[] keys : g.heldKeys) {
          for (int i = 0; i < keys.length; i += 2) {
            sources.add(keys[i]);
            ids.add(keys[i + 1]);
            tickets.add(g.ticket.id);
          }
        }
        g.ticket = null;
        g.writeMessage = false;
      }
      return store.unlink(sources.toArray(new String[0]), ids.toArray(new String[0]), tickets.toArray(new String[0]))
          .map(events -> {
            for (ErrorEvent e : events) {
              queue.addLast(new Work(e, null));
            }
            return null;
          });
    });
  }

  private Future<Void> messages(Map<UserFingerprint, Group> groups) {
    List<SystemMessage> messages = new ArrayList<>();
    for (Group g : groups.values()) {
      if (g.ticket == null || !g.writeMessage || g.deferred) {
        continue;
      }
      ErrorEvent e = g.newest;
      String content = g.createdNow ? TicketContent.firstMessage(e, g.count)
          : TicketContent.againMessage(e, g.count, g.total);
      String meta = new JsonObject().put("kind", g.createdNow ? "auto_ticket_created" : "error_recurred")
          .put("event_id", e.eventId()).put("source", e.source()).put("fingerprint", e.fingerprint())
          .put("occurrence_count", g.total).encode();
      messages.add(new SystemMessage(g.ticket.id, content, meta));
    }
    return store.addMessages(messages);
  }

  private Future<Void> link(Map<UserFingerprint, Group> groups) {
    List<LogLink> links = new ArrayList<>();
    for (Group g : groups.values()) {
      if (g.ticket == null) {
        continue;
      }
      for (int i = 0; i < g.events.size(); i++) {
        ErrorEvent ev = g.events.get(i);
        if (!g.createdNow && g.ticket.id.equals(g.linked.get(i))) {
          continue; // the insert already set this row's ticket_id
        }
        links.add(new LogLink(ev.source(), ev.eventId(), g.ticket.id, g.createdNow && i == 0));
      }
    }
    return store.link(links);
  }

  private void publish(Map<UserFingerprint, Group> groups) {
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
