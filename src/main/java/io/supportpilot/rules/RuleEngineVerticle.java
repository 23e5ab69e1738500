package io.supportpilot.rules;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.bus.TicketEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the rules on live traffic, off the HTTP path: error rules on each committed batch of stored errors (so in
 * scaled mode where the partition's events are processed), ticket rules on auto-ticket changes, schedule rules on a
 * timer (one instance per pass, see {@link ScheduleScan}). Matches are claimed in {@code rule_runs} in one statement
 * per batch, so a trigger object fires a rule once; claimed firings are counted in memory and their actions run on
 * a bounded queue, so a slow or failing action never holds up ingestion. Outcomes are written in batches.
 *
 * <p>An error rule fires once per (user, fingerprint) per {@code rules.error-window} (docs/rules.md, "What a firing
 * is"): the first matching error of a window is claimed, the later ones only count in memory (the rule's
 * {@code trigger_count} and the run's {@code events}), added to Postgres in one statement per flush.
 */
final class RuleEngineVerticle extends VerticleBase {

  /** Metric: firings claimed, tagged by trigger type. */
  static final String METER_FIRED = "supportpilot.rules.fired";
  /** Metric: firings waiting for their actions (a Gauge). */
  static final String METER_QUEUED = "supportpilot.rules.queued";
  /** Metric: enabled rules this instance evaluates (a Gauge; a change made on another instance shows once reloaded). */
  static final String METER_LOADED = "supportpilot.rules.loaded";

  private static final Logger LOG = LoggerFactory.getLogger(RuleEngineVerticle.class);
  private static final int MESSAGE_CHARS = 1000;
  private static final int CLAIM_BATCH = 2000;
  /** Open error windows kept in memory; beyond this a new (user, fingerprint) fires per error, as with no window. */
  private static final int MAX_WINDOWS = 200_000;

  private final RulesConfig cfg;
  private final Pool pool;
  private final Clock clock;
  private final RuleBook book;
  private final RuleCounters counters;
  private final ActionRunner actions;
  private final ScheduleScan schedule;
  private final RuleStore store;
  private final Map<TriggerType, Counter> fired = new EnumMap<>(TriggerType.class);
  private final Counter lost;
  private final AtomicInteger queuedGauge = new AtomicInteger();
  private final ArrayDeque<Firing> queue = new ArrayDeque<>();
  private final List<Long> doneIds = new ArrayList<>();
  private final List<String> doneActions = new ArrayList<>();
  private final List<String> doneOutcomes = new ArrayList<>();
  private final List<OffsetDateTime> doneAt = new ArrayList<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private final List<Firing> pendingClaims = new ArrayList<>();
  private final long windowMillis;
  private final Map<Firing.Slot, Firing.Window> windows = new HashMap<>();
  private final Set<Firing.Window> windowsToFlush = new LinkedHashSet<>();
  private long lastBucket = Long.MIN_VALUE;
  private boolean flushingWindows;
  private long claimTimer = -1;
  private boolean claiming;
  private int inFlight;
  private boolean scanning;
  private boolean finishing;

  RuleEngineVerticle(RulesConfig cfg, RuleStore store, Clock clock, RuleBook book, RuleCounters counters,
      ActionRunner actions, MeterRegistry registry) {
    this.cfg = cfg;
    this.store = store;
    this.pool = store.pool();
    this.clock = clock;
    this.book = book;
    this.counters = counters;
    this.actions = actions;
    this.schedule = new ScheduleScan(pool, clock, book, cfg.scanLimit());
    this.windowMillis = cfg.errorWindow().toMillis();
    for (TriggerType t : TriggerType.values()) {
      fired.put(t, Counter.builder(METER_FIRED).tag("trigger_type", t.wire()).description("automation rule firings")
          .register(registry));
    }
    lost = Counter.builder("supportpilot.rules.unclaimed").description("firings lost because rule_runs could not "
        + "be written").register(registry);
    Gauge.builder(METER_QUEUED, queuedGauge, AtomicInteger::get).description("firings waiting for their actions")
        .register(registry);
    Gauge.builder(METER_LOADED, book, RuleBook::size).description("enabled rules this instance evaluates")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().<StoredErrors>localConsumer(Addresses.ERRORS_STORED, m -> onErrors(m.body())));
    consumers.add(vertx.eventBus().<TicketEvent>localConsumer(Addresses.TICKETS_CHANGED, m -> onTicket(m.body())));
    consumers.add(vertx.eventBus().<JsonObject>localConsumer(Addresses.PATTERNS_TRIGGERED, m -> onPatterns(m.body())));
    consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.RULES_SCHEDULE_NOW, m -> scanNow()
        .onComplete(ar -> m.reply(ar.succeeded() ? ar.result() : -1))));
    consumers.add(vertx.eventBus().<Object>localConsumer(Addresses.RULES_FLUSH, m -> flushAll()
        .onComplete(ar -> m.reply(ar.succeeded()))));
    timers.add(vertx.setPeriodic(cfg.counterFlushInterval().toMillis(), id -> counters.flush()
        .onFailure(e -> LOG.warn("rule counters not flushed (kept for the next flush): {}", e.getMessage()))));
    // A run's error count is a running figure for the admin: a storm keeps thousands of windows open, and writing
    // each of them every second cost more Postgres time than the rest of the rules together.
    timers.add(vertx.setPeriodic(cfg.runEventsFlushInterval().toMillis(), id -> flushWindows()));
    timers.add(vertx.setPeriodic(200, id -> finishRuns()));
    timers.add(vertx.setPeriodic(cfg.reloadInterval().toMillis(), id -> book.refreshIfChanged()
        .onFailure(e -> LOG.debug("rule reload failed: {}", e.getMessage()))));
    timers.add(vertx.setPeriodic(cfg.scheduleInterval().toMillis(), id -> scanNow()));
    timers.add(vertx.setPeriodic(Duration.ofMinutes(10).toMillis(), id -> pruneRuns()));
    List<Future<?>> ready = new ArrayList<>();
    consumers.forEach(c -> ready.add(c.completion()));
    return Future.all(ready);
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    if (claimTimer >= 0) {
      vertx.cancelTimer(claimTimer);
    }
    List<Future<?>> gone = new ArrayList<>();
    consumers.forEach(c -> gone.add(c.unregister()));
    return Future.all(gone).compose(v -> flushAll()).timeout(10, TimeUnit.SECONDS)
        .recover(e -> Future.succeededFuture());
  }

  private Future<Void> flushAll() {
    return claimPending().recover(e -> Future.succeededFuture())
        .compose(v -> flushWindows())
        .compose(v -> counters.flush().recover(e -> Future.succeededFuture()))
        .compose(v -> finishRuns());
  }

  // ------------------------------------------------------------------ triggers

  private void onErrors(StoredErrors batch) {
    RuleBook.Indexed indexed = book.indexed(TriggerType.ERROR);
    CompiledRule[] rules = indexed.rules();
    if (rules.length == 0) {
      return;
    }
    long now = clock.millis();
    Instant at = Instant.ofEpochMilli(now);
    long bucket = windowMillis > 0 ? now / windowMillis : 0;
    if (bucket != lastBucket) {
      windows.values().removeIf(w -> w.bucket < bucket); // their unflushed counts stay in windowsToFlush
      lastBucket = bucket;
    }
    List<Firing> firings = null;
    for (ErrorEvent e : batch.events()) {
      ErrorSubject s = new ErrorSubject(e);
      JsonObject json = null;
      long[] candidates = indexed.index().candidates(s);
      for (int word = 0; word < candidates.length; word++) {
        for (long bits = candidates[word]; bits != 0; bits &= bits - 1) {
          CompiledRule r = rules[(word << 6) + Long.numberOfTrailingZeros(bits)];
          if (!r.condition().test(s, now)) {
            continue;
          }
          Firing.Window w = null;
          if (windowMillis > 0) {
            counters.add(r.id(), now);
            Firing.Slot slot = new Firing.Slot(r.id(), e.userId(), e.fingerprint());
            w = windows.get(slot);
            if (w != null && w.bucket == bucket) {
              coalesce(w, 1);
              continue;
            }
            w = windows.size() < MAX_WINDOWS || windows.containsKey(slot) ? new Firing.Window(slot,
                "errors:" + nonNull(e.userId()) + ":" + nonNull(e.fingerprint()) + "@"
                    + Instant.ofEpochMilli(bucket * windowMillis), bucket) : null;
            if (w != null) {
              windows.put(slot, w);
            }
          }
          if (json == null) {
            json = errorJson(e);
          }
          if (firings == null) {
            firings = new ArrayList<>();
          }
          String key = w != null ? w.triggerKey : "error:" + e.source() + ":" + e.eventId();
          firings.add(new Firing(r, key, json, at, w));
        }
      }
    }
    if (firings != null) {
      submit(firings);
    }
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  /** Counts errors on an error-rule firing's window, to be added to its run by the next {@link #flushWindows}. */
  private void coalesce(Firing.Window w, long n) {
    w.unflushed += n;
    windowsToFlush.add(w);
  }

  /**
   * Adds the errors counted on claimed windows to their runs ({@code rule_runs.events}), in one statement; a failed
   * write keeps them for the next flush. Windows whose claim has not answered yet wait for it.
   */
  private Future<Void> flushWindows() {
    if (flushingWindows || windowsToFlush.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Firing.Window> taken = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (Iterator<Firing.Window> it = windowsToFlush.iterator(); it.hasNext(); ) {
      Firing.Window w = it.next();
      if (w.settled && w.unflushed > 0) {
        taken.add(w);
        counts.add(w.unflushed);
        w.unflushed = 0;
        it.remove();
      }
    }
    if (taken.isEmpty()) {
      return Future.succeededFuture();
    }
    String[] rules = new String[taken.size()];
    String[] keys = new String[taken.size()];
    for (int i = 0; i < rules.length; i++) {
      rules[i] = taken.get(i).slot.ruleId();
      keys[i] = taken.get(i).triggerKey;
    }
    flushingWindows = true;
    return store.addEvents(rules, keys, counts.toArray(new Long[0]))
        .onFailure(e -> {
          LOG.warn("errors of {} rule runs not added (kept for the next flush): {}", rules.length, e.getMessage());
          for (int i = 0; i < taken.size(); i++) {
            coalesce(taken.get(i), counts.get(i));
          }
        })
        .onComplete(ar -> flushingWindows = false)
        .recover(e -> Future.succeededFuture());
  }

  /** Claims that failed or were dropped: their windows are forgotten, so the next matching error claims again. */
  private void forget(List<Firing> firings) {
    for (Firing f : firings) {
      if (f.window != null) {
        windows.remove(f.window.slot, f.window);
        windowsToFlush.remove(f.window);
      }
    }
  }

  private void onTicket(TicketEvent t) {
    CompiledRule[] rules = book.rules(TriggerType.TICKET);
    if (rules.length == 0 || t == null) {
      return;
    }
    ValuesSubject s = ticketSubject(t);
    long now = clock.millis();
    List<Firing> firings = new ArrayList<>();
    for (CompiledRule r : rules) {
      if (r.condition().test(s, now)) {
        firings.add(new Firing(r, "ticket:" + t.conversationId() + ":" + t.kind() + ":" + t.occurrenceCount(),
            s.toJson(), Instant.ofEpochMilli(now)));
      }
    }
    if (!firings.isEmpty()) {
      submit(firings);
    }
  }

  /** A triage decision to which patterns contributed: one trigger object per matched pattern. */
  private void onPatterns(JsonObject m) {
    CompiledRule[] rules = book.rules(TriggerType.PATTERN);
    if (rules.length == 0 || m == null || m.getJsonArray("matches") == null) {
      return;
    }
    long now = clock.millis();
    List<Firing> firings = new ArrayList<>();
    for (Object o : m.getJsonArray("matches")) {
      if (!(o instanceof JsonObject match)) {
        continue;
      }
      ValuesSubject s = patternSubject(m, match);
      for (CompiledRule r : rules) {
        if (r.condition().test(s, now)) {
          firings.add(new Firing(r, "pattern:" + m.getString("conversation_id") + ":" + match.getString("pattern_id"),
              s.toJson(), Instant.ofEpochMilli(now)));
        }
      }
    }
    if (!firings.isEmpty()) {
      submit(firings);
    }
  }

  private Future<Integer> scanNow() {
    if (scanning) {
      return Future.succeededFuture(0);
    }
    scanning = true;
    return schedule.run()
        .map(claimed -> {
          claimed.forEach(this::accept);
          drain();
          return claimed.size();
        })
        .onFailure(e -> LOG.warn("schedule rules pass failed: {}", e.getMessage()))
        .onComplete(ar -> scanning = false);
  }

  /**
   * Buffers firings and claims them in one statement per {@code rules.claim-delay} (or per 2,000), whatever the size
   * of the stored batches: the single-event endpoint commits many tiny batches, and a claim per batch would add a
   * commit per batch to Postgres.
   */
  private void submit(List<Firing> firings) {
    if (pendingClaims.size() + firings.size() > cfg.maxQueuedRuns()) {
      lost.increment(firings.size());
      LOG.warn("{} rule firings dropped: more than rules.max-queued-runs wait to be recorded", firings.size());
      forget(firings);
      return;
    }
    pendingClaims.addAll(firings);
    if (pendingClaims.size() >= CLAIM_BATCH) {
      claimPending();
    } else if (claimTimer < 0 && !claiming) {
      claimTimer = vertx.setTimer(cfg.claimDelay().toMillis(), t -> {
        claimTimer = -1;
        claimPending();
      });
    }
  }

  /** Claims what is buffered (one statement at a time) and queues the actions of the firings that were new. */
  private Future<Void> claimPending() {
    if (claiming || pendingClaims.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = Math.min(pendingClaims.size(), CLAIM_BATCH);
    List<Firing> batch = new ArrayList<>(pendingClaims.subList(0, n));
    pendingClaims.subList(0, n).clear();
    claiming = true;
    return RuleStore.claim(pool, batch).transform(ar -> {
      claiming = false;
      if (ar.failed()) {
        lost.increment(batch.size());
        LOG.warn("{} rule firings could not be recorded and are dropped: {}", batch.size(), ar.cause().getMessage());
        forget(batch);
      } else {
        for (Firing f : batch) {
          if (f.window != null) {
            f.window.settled = true;
            if (f.runId == 0) {
              coalesce(f.window, 1); // another instance claimed this window first: its run counts this error
            }
          }
        }
        ar.result().forEach(this::accept);
        drain();
      }
      return pendingClaims.isEmpty() ? Future.<Void>succeededFuture() : claimPending();
    });
  }

  private void accept(Firing f) {
    if (f.rule.triggerType() != TriggerType.ERROR || windowMillis == 0) {
      counters.add(f.rule.id(), f.firedAt.toEpochMilli()); // error rules with a window count every error on match
    }
    fired.get(f.rule.triggerType()).increment();
    if (queue.size() >= cfg.maxQueuedRuns()) {
      record(f, new JsonArray(), "skipped", "overloaded: more than rules.max-queued-runs firings were waiting");
      return;
    }
    queue.addLast(f);
    queuedGauge.set(queue.size());
  }

  private void drain() {
    while (inFlight < cfg.actionConcurrency() && !queue.isEmpty()) {
      Firing f = queue.pollFirst();
      inFlight++;
      actions.run(f).onComplete(ar -> {
        inFlight--;
        JsonArray taken = ar.succeeded() ? ar.result() : new JsonArray();
        record(f, taken, ar.succeeded() ? ActionRunner.outcome(taken) : "failed", null);
        drain();
      });
    }
    queuedGauge.set(queue.size());
  }

  private void record(Firing f, JsonArray taken, String outcome, String note) {
    if (note != null) {
      taken.add(new JsonObject().put("status", "skipped").put("detail", note));
    }
    doneIds.add(f.runId);
    doneActions.add(taken.encode());
    doneOutcomes.add(outcome);
    doneAt.add(RuleStore.utc(clock.instant()));
    if (doneIds.size() >= 500) {
      finishRuns();
    }
  }

  private Future<Void> finishRuns() {
    if (finishing || doneIds.isEmpty()) {
      return Future.succeededFuture();
    }
    finishing = true;
    List<Long> ids = new ArrayList<>(doneIds);
    List<String> acts = new ArrayList<>(doneActions);
    List<String> outs = new ArrayList<>(doneOutcomes);
    List<OffsetDateTime> at = new ArrayList<>(doneAt);
    doneIds.clear();
    doneActions.clear();
    doneOutcomes.clear();
    doneAt.clear();
    return store.finish(ids, acts, outs, at)
        .onFailure(e -> LOG.warn("outcomes of {} rule runs not recorded (they stay pending): {}", ids.size(),
            e.getMessage()))
        .onComplete(ar -> finishing = false)
        .recover(e -> Future.succeededFuture());
  }

  /** Deletes runs older than rules.runs-retention, a bounded batch per call (every instance may do it). */
  private void pruneRuns() {
    store.deleteRunsBefore(clock.instant().minus(cfg.runsRetention()), 10_000)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("deleted {} rule runs older than {}", n, cfg.runsRetention());
          }
        })
        .onFailure(e -> LOG.warn("rule run retention failed: {}", e.getMessage()));
  }

  // ------------------------------------------------------------------ trigger objects

  static JsonObject errorJson(ErrorEvent e) {
    JsonObject o = new JsonObject().put("source", e.source()).put("event_id", e.eventId())
        .put("user_id", e.userId()).put("connection_id", e.connectionId()).put("tool", e.tool())
        .put("error_type", e.errorType()).put("error_code", e.errorCode()).put("status_code", e.statusCode())
        .put("level", e.level()).put("message", e.message() == null || e.message().length() <= MESSAGE_CHARS
            ? e.message() : e.message().substring(0, MESSAGE_CHARS) + "...").put("fingerprint", e.fingerprint())
        .put("occurred_at", e.occurredAt() == null ? null : e.occurredAt().toString())
        .put("received_at", e.receivedAt() == null ? null : e.receivedAt().toString());
    return o; // the stack stays in support_error_log: runs record the error without it
  }

  static ValuesSubject patternSubject(JsonObject m, JsonObject match) {
    return new ValuesSubject(Schema.PATTERN).set("pattern_id", match.getString("pattern_id"))
        .set("pattern_name", match.getString("pattern_name")).set("conversation_id", m.getString("conversation_id"))
        .set("user_id", m.getString("user_id")).set("confidence", m.getDouble("confidence"))
        .set("language", m.getString("language"));
  }

  static ValuesSubject ticketSubject(TicketEvent t) {
    ValuesSubject s = new ValuesSubject(Schema.TICKET).set("kind", t.kind()).set("conversation_id", t.conversationId())
        .set("user_id", t.userId()).set("fingerprint", t.fingerprint()).set("error_type", t.errorType())
        .set("occurrence_count", t.occurrenceCount());
    if (t.sample() != null) {
      s.set("error_code", t.sample().errorCode()).set("status_code", t.sample().statusCode());
    }
    return s;
  }
}
