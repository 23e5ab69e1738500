package io.supportpilot.store;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.EventKey;
import io.supportpilot.bus.StoredErrors;
import io.supportpilot.bus.TicketWork;
import io.supportpilot.bus.WriteRequest;
import io.supportpilot.bus.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group-commit batch writer of {@code support_error_log}. Requests ({@link WriteRequest}) queue up and are
 * flushed together when the batch is full or the oldest waited {@code batchDelay}: one multi-row
 * {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT (source, event_id) DO NOTHING RETURNING} statement per
 * batch. Each request is answered only after its batch commits, with which events were new. New rows are then
 * published on {@link Addresses#ERRORS_STORED}. Bounded: beyond {@code maxInFlight} queued or writing events a
 * request fails with 429; while Postgres is unreachable with 503, and a probe brings the writer back. A write that
 * has not answered within {@code responseTimeout} triggers a probe of its own: when that probe does not answer in
 * time either, the store counts as down (a frozen server is detected in about two response timeouts), the waiting
 * requests get 503, and a statement that still commits later is published as stored (a retry of it is a
 * duplicate). Only connection and availability failures mean "store down"; any other exception fails its batch.
 * Two ways in: as a verticle, requests on the local event bus ({@link #ADDRESS}); or {@link #direct} on one event
 * loop, where the webhook routes call {@link #submit} without a bus hop ({@link LoopWriters}).
 */
public final class ErrorEventWriter extends VerticleBase {

  /** Event-bus address of the writers (local, round-robin over the instances). */
  /** Reply failure code: the writer is full. */
  public static final int FULL = 429;
  /** Reply failure code: Postgres is unreachable. */
  public static final int STORE_DOWN = 503;
  /** Reply failure code: Postgres rejected the data itself (SQLSTATE class 22 or 23); retrying cannot help. */
  public static final int REJECTED = 422;
  /** Reply failure code: the batch could not be stored for another reason. */
  public static final int FAILED = 500;

  /** Batch size per flush (a DistributionSummary). */
  public static final String METER_BATCH_SIZE = "supportpilot.ingest.batch.size";
  /** Events queued or being written, all writer instances together (a Gauge). */
  public static final String METER_IN_FLIGHT = "supportpilot.ingest.in.flight";
  /** 1 while the writers can reach Postgres, 0 while they probe it (a Gauge). */
  public static final String METER_STORE_UP = "supportpilot.ingest.store.up";

  static final String INSERT = "INSERT INTO support_error_log (source, event_id, user_id, connection_id, tool,"
      + " error_type, error_code, status_code, level, message, stack, context, fingerprint, occurred_at, ticket_id)"
      + " SELECT source, event_id, user_id, connection_id, tool, error_type, error_code, status_code, level, message,"
      + " stack, context::jsonb, fingerprint, occurred_at, ticket_id FROM unnest($1::text[], $2::text[], $3::text[],"
      + " $4::text[], $5::text[], $6::text[], $7::text[], $8::int4[], $9::text[], $10::text[], $11::text[],"
      + " $12::text[], $13::text[], $14::timestamptz[], $15::text[]) AS batch(source, event_id, user_id,"
      + " connection_id, tool, error_type, error_code, status_code, level, message, stack, context, fingerprint,"
      + " occurred_at, ticket_id)"
      + " ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id";

  private static final Logger LOG = LoggerFactory.getLogger(ErrorEventWriter.class);

  /**
   * Settings of the writers of one engine; {@code inFlight} (events queued or being written) is shared by all of
   * them and bounded by {@code maxInFlight} together; {@code downWriters} counts writers that probe (a gauge).
   */
  public record Settings(int batchSize, Duration batchDelay, int concurrency, int maxInFlight,
      Duration probeInterval, AtomicInteger inFlight, AtomicInteger downWriters,
      Function<ErrorEvent, String> ticketOf, Duration responseTimeout) {

    /** Settings with the default response timeout (1 s). */
    public Settings(int batchSize, Duration batchDelay, int concurrency, int maxInFlight, Duration probeInterval,
        AtomicInteger inFlight, AtomicInteger downWriters, Function<ErrorEvent, String> ticketOf) {
      this(batchSize, batchDelay, concurrency, maxInFlight, probeInterval, inFlight, downWriters, ticketOf,
          Duration.ofSeconds(1));
    }
  }

  private final Pool pool;
  private final Settings settings;
  private final AtomicInteger inFlight;
  private final AtomicInteger downWriters;
  private final DistributionSummary batchSizes;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int queuedEvents;
  private int writingEvents;
  private int flushing;
  private long timer = -1;
  private boolean storeDown;
  private long probeTimer = -1;
  private MessageConsumer<WriteRequest> consumer;
  private Promise<Void> drained;

  /** One request: its events and the promise answered after its batch commits (or fails). */
  private record Pending(List<ErrorEvent> events, Promise<boolean[]> done) {

    void fail(int code, String detail) {
      done.tryFail(new WriteFailure(code, detail));
    }
  }

  /** One statement in flight; {@code answered} once its requests got 503 because the store stopped answering. */
  private static final class Write {
    final List<Pending> batch;
    final int n;
    boolean answered;
    long timer = -1;

    Write(List<Pending> batch, int n) {
      this.batch = batch;
      this.n = n;
    }
  }

  private final Set<Write> writing = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Set<String> loggedFaults = new HashSet<>();
  private boolean checking;
  /**
   * When Postgres last answered (any statement or probe, success or error): this writer's own, or shared by the
   * direct writers of one engine, so a store that answers any of them is not taken for frozen.
   */
  private AtomicLong lastAnswer = new AtomicLong(System.nanoTime());

  /** A writer on the shared pool; meters are registered once per registry. */
  public ErrorEventWriter(Pool pool, Settings settings, MeterRegistry registry) {
    this.pool = pool;
    this.settings = settings;
    this.inFlight = settings.inFlight();
    this.downWriters = settings.downWriters();
    this.batchSizes = DistributionSummary.builder(METER_BATCH_SIZE)
        .description("events per group-commit batch").publishPercentileHistogram().minimumExpectedValue(1.0)
        .maximumExpectedValue(settings.batchSize() * 4.0).register(registry);
  }

  /** Registers the gauges shared by the writer instances of one engine (call once per settings). */
  public static void registerGauges(MeterRegistry registry, Settings settings) {
    Gauge.builder(METER_IN_FLIGHT, settings.inFlight(), AtomicInteger::get)
        .description("error events queued or being written").register(registry);
    Gauge.builder(METER_STORE_UP, settings.downWriters(), d -> d.get() > 0 ? 0 : 1)
        .description("1 while the error writers can reach Postgres").register(registry);
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().<WriteRequest>localConsumer(Addresses.ERRORS_WRITE).handler(this::onRequest);
    return consumer.completion();
  }

  /**
   * A writer that serves callers on one event loop directly, without the event bus: it gets a context of its own on
   * {@code loop} (its timers and statements run there, so its connections live on the caller's loop), and
   * {@link #submit} must be called on that loop. Stop it with {@link #stopDirect()}.
   */
  public static ErrorEventWriter direct(Vertx vertx, EventLoop loop, Pool pool,
      Settings settings, MeterRegistry registry, AtomicLong lastAnswer) {
    ErrorEventWriter w = new ErrorEventWriter(pool, settings, registry);
    w.lastAnswer = lastAnswer;
    ContextInternal own = ((VertxInternal) vertx).contextBuilder()
        .withEventLoop(loop).build();
    w.init(vertx, own);
    return w;
  }

  /**
   * Stores the events (a direct writer, called on its event loop): completes after the commit with per event true =
   * stored now, false = already stored; fails with a {@link WriteFailure}. The caller's callbacks run on the caller's
   * context, without a thread hop.
   */
  public Future<boolean[]> submit(List<ErrorEvent> events) {
    ContextInternal own = (ContextInternal) context;
    ContextInternal caller = (ContextInternal) Vertx
        .currentContext();
    Promise<boolean[]> done = caller != null ? caller.promise() : own.promise();
    if (caller == own) {
      enqueue(events, done);
    } else if (own.inThread()) {
      own.dispatch(new Pending(events, done), p -> enqueue(p.events(), p.done()));
    } else {
      own.runOnContext(v -> enqueue(events, done));
    }
    return done.future();
  }

  /** Stops a direct writer: writes what is queued and waits for its statements (any thread). */
  public Future<Void> stopDirect() {
    Promise<Void> stopped = Promise.promise();
    context.runOnContext(v -> stop().<Void>mapEmpty().onComplete(stopped));
    return stopped.future();
  }

  @Override
  public Future<?> stop() {
    // Stop taking requests, write what is queued, and wait for the statements in flight.
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    drained = Promise.promise();
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
    if (storeDown) {
      failAll(STORE_DOWN, "the error store is unavailable");
    }
    flush();
    checkDrained();
    return unregistered.compose(v -> drained.future());
  }

  private void onRequest(Message<WriteRequest> msg) {
    Promise<boolean[]> done = Promise.promise();
    done.future().onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new WriteResult(ar.result()));
      } else {
        Throwable e = ar.cause();
        msg.fail(e instanceof WriteFailure ? ((WriteFailure) e).code() : FAILED, e.getMessage());
      }
    });
    enqueue(msg.body().events(), done);
  }

  private void enqueue(List<ErrorEvent> events, Promise<boolean[]> done) {
    if (storeDown || drained != null) {
      done.fail(new WriteFailure(STORE_DOWN, "the error store is unavailable; retry later"));
      return;
    }
    int n = events.size();
    // The bound holds for all writers of the engine together (one counter); one request always fits alone.
    int after = inFlight.addAndGet(n);
    if (after > settings.maxInFlight() && after - n > 0) {
      inFlight.addAndGet(-n);
      done.fail(new WriteFailure(FULL, "too many errors are waiting to be written; retry later"));
      return;
    }
    queue.addLast(new Pending(events, done));
    queuedEvents += n;
    if (queuedEvents >= settings.batchSize()) {
      flush();
    } else if (timer < 0) {
      timer = vertx.setTimer(Math.max(1, settings.batchDelay().toMillis()), t -> {
        timer = -1;
        flush();
      });
    }
  }

  private void flush() {
    while (!queue.isEmpty() && flushing < settings.concurrency() && !storeDown) {
      List<Pending> batch = new ArrayList<>();
      int n = 0;
      // Take whole requests up to the batch size (at least one request, however large).
      while (!queue.isEmpty() && (n == 0 || n + queue.peekFirst().events().size() <= settings.batchSize() * 4)) {
        Pending p = queue.pollFirst();
        batch.add(p);
        n += p.events().size();
        if (n >= settings.batchSize()) {
          break;
        }
      }
      queuedEvents -= n;
      writingEvents += n;
      flushing++;
      write(batch, n);
    }
    if (timer >= 0 && queue.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void write(List<Pending> batch, int n) {
    batchSizes.record(n);
    String[] ticket = new String[n];
    Tuple params;
    try {
      params = params(batch, n, ticket);
    } catch (RuntimeException e) {
      // A fault of the engine while building the statement (never an outage): only this batch fails.
      flushing--;
      writingEvents -= n;
      inFlight.addAndGet(-n);
      engineFault(batch, e);
      checkDrained();
      return;
    }
    Write w = new Write(batch, n);
    writing.add(w);
    armTimer(w);
    execute(w, params, ticket);
  }

  private Tuple params(List<Pending> batch, int n, String[] ticket) {
    String[] source = new String[n];
    String[] eventId = new String[n];
    String[] user = new String[n];
    String[] connection = new String[n];
    String[] tool = new String[n];
    String[] type = new String[n];
    String[] code = new String[n];
    Integer[] status = new Integer[n];
    String[] level = new String[n];
    String[] message = new String[n];
    String[] stack = new String[n];
    String[] context = new String[n];
    String[] fingerprint = new String[n];
    OffsetDateTime[] occurred = new OffsetDateTime[n];
    boolean tickets = settings.ticketOf() != null;
    int i = 0;
    for (Pending p : batch) {
      for (ErrorEvent e : p.events()) {
        source[i] = e.source();
        eventId[i] = e.eventId();
        user[i] = e.userId();
        connection[i] = e.connectionId();
        tool[i] = e.tool();
        type[i] = e.errorType();
        code[i] = e.errorCode();
        status[i] = e.statusCode();
        level[i] = e.level();
        message[i] = e.message();
        stack[i] = e.stack();
        context[i] = e.contextJson();
        fingerprint[i] = e.fingerprint();
        occurred[i] = Timestamps.utc(e.occurredAt());
        ticket[i] = tickets ? settings.ticketOf().apply(e) : null;
        i++;
      }
    }
    return Tuple.of(source, eventId, user, connection, tool, type, code, status, level, message, stack,
        context, fingerprint, occurred, ticket);
  }

  private void execute(Write w, Tuple params, String[] ticket) {
    List<Pending> batch = w.batch;
    int n = w.n;
    pool.preparedQuery(INSERT).execute(params).onComplete(ar -> {
      lastAnswer.set(System.nanoTime());
      if (w.timer >= 0) {
        vertx.cancelTimer(w.timer);
        w.timer = -1;
      }
      if (w.answered) {
        // Answered 503 when the store stopped answering; the statement finished after all.
        if (ar.succeeded()) {
          LOG.info("a batch of {} errors answered 503 was committed late; retries of them are duplicates", n);
          committed(batch, ar.result(), ticket, false);
        }
        return;
      }
      writing.remove(w);
      flushing--;
      writingEvents -= n;
      inFlight.addAndGet(-n);
      if (ar.succeeded()) {
        committed(batch, ar.result(), ticket, true);
      } else {
        failed(batch, ar.cause());
      }
      flush();
      checkDrained();
    });
  }

  private void armTimer(Write w) {
    w.timer = vertx.setTimer(Math.max(1, settings.responseTimeout().toMillis()), t -> {
      w.timer = -1;
      if (w.answered) {
        return;
      }
      if (storeDown) {
        // Known down already (another statement failed): do not keep this request waiting for a frozen server.
        abandonWrites(null);
      } else if (answeredRecently()) {
        // Other statements complete: the store is slow (load, a lock), not frozen. Keep waiting.
        armTimer(w);
      } else {
        checkStore();
      }
    });
  }

  /** A write is slow: a probe tells a slow statement (locks, load) from a store that does not answer at all. */
  private void checkStore() {
    if (checking || storeDown) {
      return;
    }
    checking = true;
    probe().onComplete(ar -> {
      checking = false;
      if (ar.succeeded() || answeredRecently()) {
        for (Write w : writing) {
          if (w.timer < 0 && !w.answered) {
            armTimer(w);
          }
        }
      } else {
        abandonWrites(ar.cause());
      }
    });
  }

  private boolean answeredRecently() {
    return System.nanoTime() - lastAnswer.get() < settings.responseTimeout().toNanos();
  }

  private Future<?> probe() {
    return pool.query("SELECT 1").execute()
        .onSuccess(r -> lastAnswer.set(System.nanoTime()))
        .timeout(Math.max(1, settings.responseTimeout().toMillis()), TimeUnit.MILLISECONDS);
  }

  /** The store stopped answering: every request still waiting on a statement gets 503, and the writer probes. */
  private void abandonWrites(Throwable cause) {
    if (cause != null) {
      LOG.warn("error store not answering within {} ms ({}); answering 503 until it is back",
          settings.responseTimeout().toMillis(), cause.toString());
    }
    for (Write w : writing) {
      w.answered = true;
      flushing--;
      writingEvents -= w.n;
      inFlight.addAndGet(-w.n);
      for (Pending p : w.batch) {
        p.fail(STORE_DOWN, "the error store did not answer in time; retry later");
      }
    }
    writing.clear();
    markDown();
    checkDrained();
  }

  private void committed(List<Pending> batch, RowSet<Row> rows, String[] tickets, boolean reply) {
    Set<EventKey> inserted = new HashSet<>(rows.rowCount() * 2);
    for (Row r : rows) {
      inserted.add(new EventKey(r.getString(0), r.getString(1)));
    }
    List<ErrorEvent> stored = new ArrayList<>(inserted.size());
    List<String> linked = new ArrayList<>(inserted.size());
    int at = 0;
    for (Pending p : batch) {
      boolean[] flags = new boolean[p.events().size()];
      for (int k = 0; k < flags.length; k++) {
        ErrorEvent e = p.events().get(k);
        // remove(): the first request of a batch that carries an id gets it; a same-batch repeat is a duplicate.
        if (inserted.remove(EventKey.of(e))) {
          flags[k] = true;
          stored.add(e);
          linked.add(tickets[at]);
        }
        at++;
      }
      if (reply) {
        p.done().tryComplete(flags);
      }
    }
    if (!stored.isEmpty()) {
      vertx.eventBus().publish(Addresses.ERRORS_STORED, new StoredErrors(stored));
      if (settings.ticketOf() != null) {
        vertx.eventBus().send(Addresses.TICKET_WORK, new TicketWork(stored, linked));
      }
    }
  }

  private void failed(List<Pending> batch, Throwable cause) {
    if (isStoreDown(cause)) {
      if (!storeDown) {
        LOG.warn("error store unreachable ({}); answering 503 until it is back", cause.toString());
      }
      for (Pending p : batch) {
        p.fail(STORE_DOWN, "the error store is unavailable; retry later");
      }
      markDown();
      return;
    }
    if (!(cause instanceof PgException)) {
      engineFault(batch, cause);
      return;
    }
    if (isConflictRetry(cause)) {
      // Two writers inserted the same ids in opposite orders and Postgres broke the deadlock by aborting this
      // statement (the other committed): write the batch again; its ids now conflict and answer "duplicate".
      LOG.info("a batch of {} requests met a concurrent writer of the same ids ({}); writing it again", batch.size(),
          ((PgException) cause).getSqlState());
      for (int i = batch.size() - 1; i >= 0; i--) {
        Pending p = batch.get(i);
        queuedEvents += p.events().size();
        inFlight.addAndGet(p.events().size());
        queue.addFirst(p);
      }
      return;
    }
    if (batch.size() > 1) {
      // One bad request must not fail its neighbours: write each request of the batch on its own.
      LOG.warn("batch of {} requests failed ({}); retrying them one by one", batch.size(), cause.getMessage());
      for (Pending p : batch) {
        queuedEvents += p.events().size();
        inFlight.addAndGet(p.events().size());
        queue.addLast(p);
      }
      flushSingles();
      return;
    }
    LOG.error("could not store {} error events", batch.get(0).events().size(), cause);
    batch.get(0).fail(isRejected(cause) ? REJECTED : FAILED, "the error could not be stored");
  }

  /**
   * Not a database answer and not an outage: a fault in the engine itself. Only this batch fails (the store stays
   * "up" for everyone else); the stack is logged the first time a fault of this kind is seen.
   */
  private void engineFault(List<Pending> batch, Throwable cause) {
    String kind = cause.getClass().getName() + (cause.getStackTrace().length > 0 ? "@" + cause.getStackTrace()[0] : "");
    if (loggedFaults.size() < 100 && loggedFaults.add(kind)) {
      LOG.error("could not store a batch of {} requests because of an engine fault (stack logged once per fault)",
          batch.size(), cause);
    } else {
      LOG.warn("could not store a batch of {} requests because of an engine fault: {}", batch.size(), cause.toString());
    }
    for (Pending p : batch) {
      p.fail(FAILED, "the error could not be stored because of a fault in the engine; it was not stored");
    }
  }

  private void flushSingles() {
    while (!queue.isEmpty() && !storeDown) {
      Pending p = queue.pollFirst();
      int n = p.events().size();
      queuedEvents -= n;
      writingEvents += n;
      flushing++;
      write(List.of(p), n);
    }
  }

  private void markDown() {
    if (!storeDown) {
      storeDown = true;
      downWriters.incrementAndGet();
    }
    failAll(STORE_DOWN, "the error store is unavailable; retry later");
    scheduleProbe();
  }

  private void scheduleProbe() {
    if (probeTimer >= 0 || drained != null) {
      return;
    }
    probeTimer = vertx.setTimer(settings.probeInterval().toMillis(), t -> {
      probeTimer = -1;
      probe().onComplete(ar -> {
        if (ar.succeeded()) {
          LOG.info("error store reachable again; accepting errors");
          if (storeDown) {
            storeDown = false;
            downWriters.decrementAndGet();
          }
        } else {
          scheduleProbe();
        }
      });
    });
  }

  private void failAll(int code, String detail) {
    for (Pending p : queue) {
      p.fail(code, detail);
      inFlight.addAndGet(-p.events().size());
    }
    queue.clear();
    queuedEvents = 0;
  }

  private void checkDrained() {
    if (drained != null && queue.isEmpty() && flushing == 0) {
      drained.tryComplete();
    }
  }

  /** Deadlock or serialization failure: the statement lost a race with another writer and can simply run again. */
  public static boolean isConflictRetry(Throwable t) {
    if (!(t instanceof PgException)) {
      return false;
    }
    String state = ((PgException) t).getSqlState();
    return "40P01".equals(state) || "40001".equals(state);
  }

  /** True when Postgres refused the data itself (data exception or integrity violation): not transient. */
  static boolean isRejected(Throwable t) {
    if (!(t instanceof PgException)) {
      return false;
    }
    String state = ((PgException) t).getSqlState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  /** True when the failure means Postgres cannot be reached (connection, shutdown, resources). */
  static boolean isStoreDown(Throwable t) {
    // Connection refused or lost, time-outs, Postgres' availability states; never a fault of the engine itself.
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof PgException) {
        String state = ((PgException) c).getSqlState();
        return state == null || state.startsWith("08") || state.startsWith("53") || state.startsWith("57")
            || state.startsWith("58");
      }
      if (c instanceof IOException || c instanceof TimeoutException
          || c instanceof ClosedConnectionException) {
        return true;
      }
      if (c instanceof VertxException && c.getMessage() != null) {
        String m = c.getMessage().toLowerCase(Locale.ROOT);
        if (m.contains("connection") || m.contains("closed") || m.contains("timeout") || m.contains("timed out")) {
          return true;
        }
      }
    }
    return false;
  }
}
