package io.supportpilot.spike;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;

/**
 * Answers questions about the live counters: the drill-down of {@code GET /api/admin/spikes/counters} (one type
 * with its busiest fingerprints, or the overview) and the summary a tick replies with. Runs on the detector's
 * event loop.
 */
final class CounterDrillDown {

  private static final int TOP = 20;

  private final SpikeCounters counters;
  private final SpikeLifecycle lifecycle;
  private final PartitionOwnership ownership;
  private final SpikeRule rule;
  private final Clock clock;

  CounterDrillDown(SpikeCounters counters, SpikeLifecycle lifecycle, PartitionOwnership ownership, SpikeRule rule,
      Clock clock) {
    this.counters = counters;
    this.lifecycle = lifecycle;
    this.ownership = ownership;
    this.rule = rule;
    this.clock = clock;
  }

  /** Tracked types and fingerprints and the spikes tracked in any state (the reply to a tick). */
  JsonObject summary() {
    return new JsonObject().put("types", counters.typeCount()).put("fingerprints", counters.fingerprintCount())
        .put("open", lifecycle.size());
  }

  /** The counters of one error type, or the overview when {@code type} is null or empty. */
  JsonObject answer(String type) {
    long minute = clock.millis() / 60_000;
    if (type == null || type.isEmpty()) {
      return overview(minute);
    }
    SpikeWindow w = counters.type(type);
    if (w == null) {
      return new JsonObject().put("error_type", type).put("tracked", false).put("count_last_hour", 0)
          .put("count_24h", 0).put("hourly_average", 0.0).put("ratio", 0.0).put("spike", false)
          .put("fingerprints", new JsonArray());
    }
    w.advance(minute);
    JsonArray fps = new JsonArray();
    for (var e : counters.topFingerprints(type, TOP)) {
      e.getValue().advance(minute);
      JsonObject f = windowJson(type, e.getValue()).put("fingerprint", e.getKey());
      f.remove("spike");
      fps.add(f);
    }
    return windowJson(type, w).put("tracked", true).put("spike_id", lifecycle.openId(type)).put("fingerprints", fps);
  }

  private JsonObject overview(long minute) {
    JsonArray top = new JsonArray();
    for (var e : counters.topTypes(TOP)) {
      e.getValue().advance(minute);
      top.add(windowJson(e.getKey(), e.getValue()));
    }
    return new JsonObject().put("types_tracked", counters.typeCount())
        .put("fingerprints_tracked", counters.fingerprintCount()).put("refused_keys", counters.refusedKeys())
        .put("estimated_bytes", (long) counters.size() * SpikeWindow.BYTES_PER_WINDOW)
        .put("owned_partitions", ownership.scaled() ? new JsonArray(ownership.owned()) : null)
        .put("top_types", top);
  }

  private JsonObject windowJson(String type, SpikeWindow w) {
    return new JsonObject().put("error_type", type).put("count_last_hour", w.lastHour())
        .put("count_24h", w.lastDay()).put("hourly_average", w.hourlyAverage())
        .put("ratio", SpikeRule.ratioOf(w.lastHour(), w.lastDay())).put("spike", rule.holds(w))
        .put("first_seen_at", w.firstSeenMinute() == Long.MAX_VALUE ? null
            : Instant.ofEpochSecond(w.firstSeenMinute() * 60).toString());
  }
}
