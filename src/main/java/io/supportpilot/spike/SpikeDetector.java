package io.supportpilot.spike;

import io.micrometer.core.instrument.Counter;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.bus.SpikeChange;
import io.supportpilot.bus.SpikeSummary;
import io.supportpilot.bus.StoredErrors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the spike counters; the spike lifecycle's decisions are {@link SpikeLifecycle}'s. Counts every stored error in O(1), evaluates the
 * plan's rule on every event, opens a spike once (record, notification, Slack, pattern lookup, DevOps task),
 * sends throttled updates, and ends a spike once the rule has not held for the configured time. A periodic
 * timer rotates the windows by the clock. On start (embedded mode) or on a partition assignment (scaled mode)
 * it rebuilds the windows from {@code support_error_log} and adopts the spikes still marked active.
 * Single-threaded: all state lives on this verticle's event loop.
 */
final class SpikeDetector extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SpikeDetector.class);
  private static final int TOP_FINGERPRINTS = 5;

  private final SpikesConfig config;
  private final SpikeRule rule;
  private final SpikeStore store;
  private final SlackNotifier slack;
  private final SpikeFeed feed;
  private final Clock clock;
  private final boolean scaled;
  private final Counter opened;
  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final Set<Integer> owned = new HashSet<>();
  private final Set<Integer> rebuilding = new HashSet<>();
  private final List<ErrorEvent> pending = new ArrayList<>();
  private volatile int trackedKeys;
  private int partitionCount = 1;
  private boolean ready;
  private long lastRotatedMinute = -1;
  private long timer = -1;

  SpikeDetector(SpikesConfig config, SpikeStore store, SlackNotifier slack, SpikeFeed feed, Clock clock,
      boolean scaled, Counter opened) {
    this.config = config;
    this.rule = new SpikeRule(config.minCount(), config.ratio());
    this.store = store;
    this.slack = slack;
    this.feed = feed;
    this.clock = clock;
    this.scaled = scaled;
    this.opened = opened;
    this.counters = new SpikeCounters(config.maxKeys(), config.fingerprints());
    this.lifecycle = new SpikeLifecycle(rule, config.closeAfter(), config.updateInterval(),
        () -> UUID.randomUUID().toString());
  }

  /** Tracked keys (types and fingerprints), for a gauge. */
  int trackedKeys() {
    return trackedKeys;
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    bus.<StoredErrors>localConsumer(Addresses.ERRORS_STORED, m -> onStored(m.body()));
    bus.<PartitionsAssigned>localConsumer(Addresses.PARTITIONS_ASSIGNED, m -> onAssigned(m.body()));
    bus.<PartitionsAssigned>localConsumer(Addresses.PARTITIONS_REVOKED, m -> onRevoked(m.body()));
    bus.<Object>localConsumer(Addresses.SPIKES_TICK, m -> {
      tick();
      m.reply(new JsonObject().put("types", counters.typeCount()).put("fingerprints", counters.fingerprintCount())
          .put("open", lifecycle.size()));
    });
    bus.<String>localConsumer(Addresses.SPIKES_COUNTERS, this::onCounters);
    timer = vertx.setPeriodic(config.tickInterval().toMillis(), id -> tick());
    if (scaled) {
      // Nothing is owned until the Kafka consumer reports its partitions.
      ready = true;
      return Future.succeededFuture();
    }
    Predicate<String> all = t -> true;
    return rebuild(all).compose(counted -> adopt(all).map(counted)).onSuccess(counted -> {
      ready = true;
      replayPending(all, counted);
      openHolding(all);
    }).mapEmpty();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  // ---- counting

  private void onStored(StoredErrors batch) {
    long now = clock.millis();
    long nowMinute = now / 60_000;
    List<Spike> held = null;
    for (ErrorEvent e : batch.events()) {
      String type = e.errorType();
      if (type == null || !owns(type)) {
        continue;
      }
      if (underRebuild(type)) {
        pending.add(e);
        continue;
      }
      // Counted in the minute it was received (as created_at, which a rebuild reads), never in the future.
      long minute = e.receivedAt() == null ? nowMinute : Math.min(nowMinute, e.receivedAt().toEpochMilli() / 60_000);
      SpikeWindow w = counters.add(type, e.fingerprint(), minute, 1, nowMinute);
      Spike s = w == null ? null : lifecycle.onCount(type, w, now);
      if (s != null && s.state == Spike.State.OPENING) {
        open(s, w, now);
      } else if (s != null) {
        if (held == null) {
          held = new ArrayList<>(2);
        }
        if (!held.contains(s)) {
          held.add(s);
        }
      }
    }
    if (held != null) {
      // Throttled updates go out once per batch, with the counts after the whole batch.
      for (Spike s : held) {
        SpikeWindow w = counters.type(s.errorType);
        if (lifecycle.current(s) && lifecycle.updateDue(s, w, now)) {
          update(s, w, now);
        }
      }
    }
  }

  private boolean owns(String type) {
    return !scaled || owned.contains(partitionOf(type));
  }

  private boolean underRebuild(String type) {
    return !ready || (scaled && rebuilding.contains(partitionOf(type)));
  }

  /** Kafka's default partitioner for a String key: murmur2 of the UTF-8 bytes, made positive, modulo partitions. */
  static int partitionOf(String errorType, int partitions) {
    return Utils.toPositive(Utils.murmur2(errorType.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  private int partitionOf(String type) {
    return partitionOf(type, partitionCount);
  }

  // ---- the clock

  private void tick() {
    long now = clock.millis();
    long minute = now / 60_000;
    if (minute != lastRotatedMinute) {
      counters.rotate(minute);
      lastRotatedMinute = minute;
    }
    trackedKeys = counters.size();
    for (Spike s : lifecycle.open()) {
      SpikeWindow w = counters.type(s.errorType);
      if (w != null) {
        w.advance(minute);
      }
      switch (lifecycle.onTick(s, w, now)) {
        case UPDATE -> update(s, w, now);
        case CLOSE -> close(s, w, now);
        case NONE -> { }
      }
    }
  }

  // ---- lifecycle

  private void open(Spike s, SpikeWindow w, long now) {
    String type = s.errorType;
    int hour = w.lastHour();
    int day = w.lastDay();
    store.samples(type, config.sampleCount())
        .compose(samples -> {
          s.samples = samples;
          return store.insert(s.id, type, hour, day, day / 24.0, SpikeRule.ratioOf(hour, day),
              Instant.ofEpochMilli(s.firstSeenAt), Instant.ofEpochMilli(now), samples);
        })
        .onComplete(ar -> {
          if (!lifecycle.current(s)) {
            return; // the type was given up (partition revoked) meanwhile
          }
          if (ar.failed()) {
            LOG.warn("could not record the spike of {}: {}", type, ar.cause().getMessage());
            lifecycle.failed(s, clock.millis());
          } else if (!ar.result()) {
            // Another instance recorded an active spike for this type first: adopt it, announce nothing.
            lifecycle.lost(s);
            adopt(type::equals);
          } else {
            opened.increment();
            long t = clock.millis();
            SpikeWindow current = counters.type(type);
            lifecycle.opened(s, current, t);
            emit(SpikeChange.STARTED, s, current, t);
            announce(s, hour, day);
          }
        });
  }

  private void update(Spike s, SpikeWindow w, long now) {
    int hour = w == null ? 0 : w.lastHour();
    int day = w == null ? 0 : w.lastDay();
    emit(SpikeChange.UPDATED, s, w, now);
    store.update(s.id, "updated", hour, day, day / 24.0, SpikeRule.ratioOf(hour, day), Instant.ofEpochMilli(now))
        .onFailure(e -> LOG.warn("could not record the update of spike {}: {}", s.id, e.getMessage()));
  }

  private void close(Spike s, SpikeWindow w, long now) {
    int hour = w == null ? 0 : w.lastHour();
    int day = w == null ? 0 : w.lastDay();
    emit(SpikeChange.ENDED, s, w, now);
    store.update(s.id, "ended", hour, day, day / 24.0, SpikeRule.ratioOf(hour, day), Instant.ofEpochMilli(now))
        .onFailure(e -> LOG.warn("could not record the end of spike {}: {}", s.id, e.getMessage()));
  }

  /** On open: admin notification, Slack, and a DevOps task when no pattern knows the error type. */
  private void announce(Spike s, int hour, int day) {
    double avg = day / 24.0;
    double ratio = SpikeRule.ratioOf(hour, day);
    String title = String.format(Locale.ROOT, "Error spike: %s (%d in the last hour, normally %.1f/h, %.1fx)",
        s.errorType, hour, avg, ratio);
    JsonObject details = new JsonObject().put("spike_id", s.id).put("error_type", s.errorType)
        .put("count", hour).put("count_24h", day).put("hourly_average", avg).put("ratio", ratio)
        .put("started_at", Instant.ofEpochMilli(s.startedAt).toString()).put("sample_errors", s.samples.copy());
    Future<Long> notification = store.insertNotification("error_spike", title, details)
        .onSuccess(id -> vertx.eventBus().publish(Addresses.ADMIN_NOTIFICATIONS, new JsonObject().put("id", id)
            .put("kind", "error_spike").put("title", title).put("details", details.copy())))
        .recover(e -> {
          LOG.warn("could not store the admin notification of spike {}: {}", s.id, e.getMessage());
          return Future.succeededFuture(null);
        });
    slack.post(":rotating_light: " + title);
    Future<Optional<String>> pattern = store.patternFor(s.errorType);
    Future<Optional<String>> task = pattern.compose(p -> {
      if (p.isPresent()) {
        return Future.succeededFuture(Optional.<String>empty());
      }
      JsonObject taskDetails = new JsonObject().put("type", "error_spike").put("error_type", s.errorType)
          .put("count", hour).put("hourly_average", avg).put("ratio", ratio).put("spike_id", s.id)
          .put("sample_errors", s.samples.copy());
      String taskId = "spike-" + s.id;
      return store.insertTask(taskId, s.errorType, taskDetails).compose(created -> {
        if (created.isPresent()) {
          vertx.eventBus().publish(Addresses.DEVOPS_TASKS, new JsonObject().put("id", taskId)
              .put("type", "error_spike").put("error_type", s.errorType).put("details", taskDetails));
          return Future.succeededFuture(created);
        }
        return store.openTask(s.errorType);
      });
    });
    Future.all(notification, task).onComplete(ar -> {
      s.patternId = pattern.succeeded() ? pattern.result().orElse(null) : null;
      s.taskId = task.succeeded() ? task.result().orElse(null) : null;
      if (task.failed()) {
        LOG.warn("could not look up the pattern or create the task of spike {}: {}", s.id, task.cause().getMessage());
      }
      store.link(s.id, s.patternId, s.taskId, notification.result())
          .onFailure(e -> LOG.warn("could not link spike {}: {}", s.id, e.getMessage()));
    });
  }

  private void emit(String event, Spike s, SpikeWindow w, long now) {
    int hour = w == null ? 0 : w.lastHour();
    int day = w == null ? 0 : w.lastDay();
    boolean ended = SpikeChange.ENDED.equals(event);
    SpikeSummary summary = new SpikeSummary(s.id, s.errorType, hour, day / 24.0, SpikeRule.ratioOf(hour, day),
        Instant.ofEpochMilli(s.startedAt), Instant.ofEpochMilli(now), !ended);
    String json = json(s, summary, day, ended ? now : null).encode();
    s.view = new SpikeFeed.Open(summary, json);
    // The snapshot changes before the change is numbered: a new subscriber that reads the newest id first and
    // the snapshot second never misses a change (see SpikeStream).
    publishOpen();
    vertx.eventBus().publish(Addresses.SPIKES, feed.append(event, summary, json));
  }

  private JsonObject json(Spike s, SpikeSummary summary, int day, Long endedAt) {
    JsonArray samples = new JsonArray();
    for (Object o : s.samples) {
      // Frames stay small: the stack is in the DevOps task and GET /api/admin/spikes/{id}.
      samples.add(((JsonObject) o).copy().put("stack", (String) null));
    }
    JsonArray fingerprints = new JsonArray();
    for (var e : counters.topFingerprints(s.errorType, TOP_FINGERPRINTS)) {
      fingerprints.add(new JsonObject().put("fingerprint", e.getKey()).put("count_last_hour", e.getValue().lastHour())
          .put("count_24h", e.getValue().lastDay()));
    }
    return new JsonObject()
        .put("id", s.id)
        .put("error_type", s.errorType)
        .put("status", summary.active() ? "active" : "ended")
        .put("count_last_hour", summary.countLastHour())
        .put("count_24h", day)
        .put("hourly_average", summary.hourlyAverage())
        .put("ratio", summary.ratio())
        .put("peak_count", Math.max(s.peak, (int) summary.countLastHour()))
        .put("first_seen_at", Instant.ofEpochMilli(s.firstSeenAt).toString())
        .put("started_at", summary.startedAt().toString())
        .put("updated_at", summary.lastUpdatedAt().toString())
        .put("ended_at", endedAt == null ? null : Instant.ofEpochMilli(endedAt).toString())
        .put("pattern_id", s.patternId)
        .put("devops_task_id", s.taskId)
        .put("top_fingerprints", fingerprints)
        .put("sample_errors", samples)
        .put("per_minute", perMinute(s.errorType));
  }

  private JsonArray perMinute(String errorType) {
    JsonArray out = new JsonArray();
    SpikeWindow w = counters.type(errorType);
    if (w != null) {
      for (int n : w.perMinute()) {
        out.add(n);
      }
    }
    return out;
  }

  private void publishOpen() {
    feed.open(lifecycle.views());
  }

  // ---- rebuild, adoption and partitions

  /**
   * Rebuilds the windows of the matching types from the error log; returns the keys of held events that the
   * rebuild already counted (they must not be replayed).
   */
  private Future<Set<String>> rebuild(Predicate<String> types) {
    Instant now = clock.instant();
    long nowMinute = now.toEpochMilli() / 60_000;
    Instant since = Instant.ofEpochSecond((nowMinute / 60 - (SpikeWindow.HOURS - 1)) * 3600);
    long t0 = System.nanoTime();
    Supplier<List<ErrorEvent>> held = () -> pending.stream().filter(e -> types.test(e.errorType())).toList();
    return store.snapshot(now, since, held).map(snapshot -> {
      int n = 0;
      for (SpikeStore.BucketRow r : snapshot.rows()) {
        if (types.test(r.errorType())) {
          counters.add(r.errorType(), r.fingerprint(), r.minute(), r.count(), nowMinute);
          n += r.count();
        }
      }
      counters.rotate(nowMinute);
      trackedKeys = counters.size();
      LOG.info("spike windows rebuilt from {} errors of the last 24 h in {} ms ({} types, {} fingerprints)", n,
          (System.nanoTime() - t0) / 1_000_000, counters.typeCount(), counters.fingerprintCount());
      return snapshot.storedKeys();
    });
  }

  /** After a rebuild: opens a spike for every matching type whose rebuilt window holds the rule and has none. */
  private void openHolding(Predicate<String> types) {
    long now = clock.millis();
    for (Map.Entry<String, SpikeWindow> e : counters.typesMatching(types)) {
      Spike s = lifecycle.onRebuilt(e.getKey(), e.getValue(), now);
      if (s != null) {
        open(s, e.getValue(), now);
      }
    }
  }

  private Future<Void> adopt(Predicate<String> types) {
    return store.active().map(rows -> {
      long now = clock.millis();
      for (SpikeStore.ActiveRow r : rows) {
        if (!types.test(r.errorType())) {
          continue;
        }
        SpikeWindow w = counters.type(r.errorType());
        Spike s = lifecycle.adopt(r, w, now);
        if (s == null) {
          continue;
        }
        int hour = w == null ? 0 : w.lastHour();
        int day = w == null ? 0 : w.lastDay();
        SpikeSummary summary = new SpikeSummary(s.id, s.errorType, hour, day / 24.0, SpikeRule.ratioOf(hour, day),
            r.startedAt(), Instant.ofEpochMilli(now), true);
        s.view = new SpikeFeed.Open(summary, json(s, summary, day, null).encode());
        LOG.info("adopted active spike {} of {}", s.id, s.errorType);
      }
      publishOpen();
      return null;
    });
  }

  private void replayPending(Predicate<String> types, Set<String> alreadyCounted) {
    List<ErrorEvent> replay = new ArrayList<>();
    pending.removeIf(e -> {
      if (types.test(e.errorType())) {
        if (!alreadyCounted.contains(SpikeStore.key(e))) {
          replay.add(e);
        }
        return true;
      }
      return false;
    });
    if (!replay.isEmpty()) {
      onStored(new StoredErrors(replay));
    }
  }

  private void onAssigned(PartitionsAssigned p) {
    if (!scaled) {
      return;
    }
    if (p.partitionCount() != partitionCount) {
      // A different partition count changes every type's partition: start over.
      counters.drop(t -> true);
      lifecycle.drop(t -> true);
      owned.clear();
      partitionCount = p.partitionCount();
    }
    Set<Integer> fresh = new HashSet<>(p.partitions());
    fresh.removeAll(owned);
    if (fresh.isEmpty()) {
      return;
    }
    owned.addAll(fresh);
    rebuilding.addAll(fresh);
    Predicate<String> mine = t -> fresh.contains(partitionOf(t));
    LOG.info("partitions {} of {} assigned: rebuilding their spike windows", fresh, partitionCount);
    rebuild(mine).compose(counted -> adopt(mine).map(counted)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("rebuilding the spike windows of partitions {} failed: {}", fresh, ar.cause().getMessage());
      }
      rebuilding.removeAll(fresh);
      if (owned.containsAll(fresh)) {
        replayPending(mine, ar.succeeded() ? ar.result() : Set.of());
        openHolding(mine);
      }
    });
  }

  private void onRevoked(PartitionsAssigned p) {
    if (!scaled) {
      return;
    }
    Set<Integer> gone = new HashSet<>(p.partitions());
    owned.removeAll(gone);
    rebuilding.removeAll(gone);
    Predicate<String> theirs = t -> gone.contains(partitionOf(t));
    counters.drop(theirs);
    // Spikes stay active in Postgres: the new owner adopts them.
    lifecycle.drop(theirs);
    pending.removeIf(e -> theirs.test(e.errorType()));
    trackedKeys = counters.size();
    publishOpen();
    LOG.info("partitions {} revoked: their spike windows are dropped", gone);
  }

  // ---- drill-down

  private void onCounters(Message<String> m) {
    long minute = clock.millis() / 60_000;
    String type = m.body();
    if (type == null || type.isEmpty()) {
      JsonArray top = new JsonArray();
      for (var e : counters.topTypes(20)) {
        e.getValue().advance(minute);
        top.add(windowJson(e.getKey(), e.getValue()));
      }
      m.reply(new JsonObject().put("types_tracked", counters.typeCount())
          .put("fingerprints_tracked", counters.fingerprintCount()).put("refused_keys", counters.refusedKeys())
          .put("estimated_bytes", (long) counters.size() * SpikeWindow.BYTES_PER_WINDOW)
          .put("owned_partitions", scaled ? new JsonArray(new ArrayList<>(owned)) : null)
          .put("top_types", top));
      return;
    }
    SpikeWindow w = counters.type(type);
    if (w == null) {
      m.reply(new JsonObject().put("error_type", type).put("tracked", false).put("count_last_hour", 0)
          .put("count_24h", 0).put("hourly_average", 0.0).put("ratio", 0.0).put("spike", false)
          .put("fingerprints", new JsonArray()));
      return;
    }
    w.advance(minute);
    JsonArray fps = new JsonArray();
    for (var e : counters.topFingerprints(type, 20)) {
      e.getValue().advance(minute);
      JsonObject f = windowJson(type, e.getValue()).put("fingerprint", e.getKey());
      f.remove("spike");
      fps.add(f);
    }
    m.reply(windowJson(type, w).put("tracked", true).put("spike_id", lifecycle.openId(type)).put("fingerprints", fps));
  }

  private JsonObject windowJson(String type, SpikeWindow w) {
    return new JsonObject().put("error_type", type).put("count_last_hour", w.lastHour())
        .put("count_24h", w.lastDay()).put("hourly_average", w.hourlyAverage())
        .put("ratio", SpikeRule.ratioOf(w.lastHour(), w.lastDay())).put("spike", rule.holds(w))
        .put("first_seen_at", w.firstSeenMinute() == Long.MAX_VALUE ? null
            : Instant.ofEpochSecond(w.firstSeenMinute() * 60).toString());
  }
}
