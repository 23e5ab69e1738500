package io.supportpilot.spike;

import io.vertx.core.json.JsonArray;

/**
 * An open (or opening, or failed-to-record) spike of one error type: its identity, its lifecycle times and what
 * was last published about it. Mutable; owned by the detector's event loop (see {@link SpikeLifecycle}).
 */
final class Spike {

  /** Where a spike is in its lifecycle; an ended spike is no longer tracked. */
  enum State {
    /** The rule held and its row is being recorded. */
    OPENING,
    /** Recorded (or adopted) and announced: it receives updates and may end. */
    OPEN,
    /** Recording its row failed: it blocks re-opening until the retry delay has passed. */
    FAILED
  }

  String id;
  final String errorType;
  State state = State.OPENING;
  long startedAt;
  long lastHeldAt;
  long lastUpdateAt;
  long failedAt;
  long firstSeenAt;
  /** The last-hour count in the last published change (-1: none yet). */
  int sentCount = -1;
  int peak;
  JsonArray samples = new JsonArray();
  String patternId;
  String taskId;
  /** The latest payload, as a new SSE subscriber sees it. */
  SpikeFeed.Open view;

  Spike(String id, String errorType) {
    this.id = id;
    this.errorType = errorType;
  }
}
