package io.supportpilot.spike;

import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.SpikeChange;
import io.supportpilot.bus.SpikeSummary;
import io.vertx.core.Context;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the live feed shares between the spike detector (the only writer, on its own event loop) and the SSE
 * streams (readers on the HTTP event loops): the bounded buffer of recent changes for {@code Last-Event-ID}
 * resume, and an immutable snapshot of the open spikes. Lock-free: a concurrent skip list and volatile
 * immutable lists.
 */
final class SpikeFeed implements ActiveSpikes {

  /** An open spike as a new subscriber sees it: its summary and its latest JSON payload. */
  record Open(SpikeSummary summary, String json) {
  }

  private final ConcurrentSkipListMap<Long, SpikeChange> recent = new ConcurrentSkipListMap<>();
  private final int bufferSize;
  private final AtomicInteger subscribers = new AtomicInteger();
  private final ConcurrentHashMap<Context, SpikeStream.LoopHub> hubs =
      new ConcurrentHashMap<>();
  private long nextId;
  private int buffered;
  private volatile List<Open> open = List.of();

  SpikeFeed(int bufferSize, long firstId) {
    this.bufferSize = bufferSize;
    this.nextId = firstId;
  }

  /** Writer: numbers a change, keeps it in the bounded buffer and returns it for publishing. */
  SpikeChange append(String event, SpikeSummary summary, String json) {
    SpikeChange c = SpikeChange.of(nextId++, event, summary, json);
    recent.put(c.id(), c);
    if (++buffered > bufferSize) {
      recent.pollFirstEntry();
      buffered--;
    }
    return c;
  }

  /** Writer: replaces the snapshot of open spikes (newest first). */
  void open(List<Open> spikes) {
    open = List.copyOf(spikes);
  }

  /** Reader: the open spikes with their latest payloads. */
  List<Open> openSpikes() {
    return open;
  }

  @Override
  public List<SpikeSummary> active() {
    return open.stream().map(Open::summary).toList();
  }

  /** Reader: buffered changes after {@code id}, oldest first. */
  NavigableMap<Long, SpikeChange> after(long id) {
    return recent.tailMap(id, false);
  }

  /** Reader: the oldest buffered id, or -1 when empty. */
  long oldestId() {
    var e = recent.firstEntry();
    return e == null ? -1 : e.getKey();
  }

  /** Reader: the newest buffered id, or -1 when empty. */
  long newestId() {
    var e = recent.lastEntry();
    return e == null ? -1 : e.getKey();
  }

  /** The per-event-loop fan-out hubs of the SSE streams. */
  ConcurrentHashMap<Context, SpikeStream.LoopHub> hubs() {
    return hubs;
  }

  /** The live subscriber count (gauge). */
  AtomicInteger subscribers() {
    return subscribers;
  }
}
