package io.supportpilot.spike;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.SpikeChange;
import io.supportpilot.bus.SpikeSummary;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Publishes what admins see of a spike: builds its payload (counts, top fingerprints, samples, the per-minute
 * sparkline), keeps the snapshot of open spikes in the {@link SpikeFeed} and numbers each change there before
 * publishing it once on {@link Addresses#SPIKES}. Runs on the detector's event loop.
 */
final class SpikePublisher {

  private static final int TOP_FINGERPRINTS = 5;

  private final SpikeFeed feed;
  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final EventBus bus;

  SpikePublisher(SpikeFeed feed, SpikeCounters counters, SpikeLifecycle lifecycle, EventBus bus) {
    this.feed = feed;
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.bus = bus;
  }

  /** Publishes a change ({@link SpikeChange#STARTED}, {@code UPDATED} or {@code ENDED}) of a spike at {@code now}. */
  void emit(String event, Spike s, SpikeWindow w, long now) {
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
    bus.publish(Addresses.SPIKES, feed.append(event, summary, json));
  }

  /** Gives an adopted spike its view (no change is published: it was announced by its first owner). */
  void adopted(Spike s, SpikeWindow w, Instant startedAt, long now) {
    int hour = w == null ? 0 : w.lastHour();
    int day = w == null ? 0 : w.lastDay();
    SpikeSummary summary = new SpikeSummary(s.id, s.errorType, hour, day / 24.0, SpikeRule.ratioOf(hour, day),
        startedAt, Instant.ofEpochMilli(now), true);
    s.view = new SpikeFeed.Open(summary, json(s, summary, day, null).encode());
  }

  /** Replaces the feed's snapshot of open spikes (newest first). */
  void publishOpen() {
    feed.open(lifecycle.views());
  }

  private JsonObject json(Spike s, SpikeSummary summary, int day, Long endedAt) {
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
        .put("top_fingerprints", fingerprints(s.errorType))
        .put("sample_errors", samples(s))
        .put("per_minute", perMinute(s.errorType));
  }

  private static JsonArray samples(Spike s) {
    JsonArray samples = new JsonArray();
    for (Object o : s.samples) {
      // Frames stay small: the stack is in the DevOps task and GET /api/admin/spikes/{id}.
      samples.add(((JsonObject) o).copy().put("stack", (String) null));
    }
    return samples;
  }

  private JsonArray fingerprints(String errorType) {
    JsonArray fingerprints = new JsonArray();
    for (var e : counters.topFingerprints(errorType, TOP_FINGERPRINTS)) {
      fingerprints.add(new JsonObject().put("fingerprint", e.getKey()).put("count_last_hour", e.getValue().lastHour())
          .put("count_24h", e.getValue().lastDay()));
    }
    return fingerprints;
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
}
