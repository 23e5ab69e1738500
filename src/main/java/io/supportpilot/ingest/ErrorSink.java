package io.supportpilot.ingest;

import io.supportpilot.bus.ErrorEvent;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where accepted errors go: the batch writer (embedded mode) or the Kafka topic (scaled mode). The future
 * completes only once the events are durable, with per event true = stored now, false = already stored;
 * it fails with an {@code HttpFailure} (429, 503) when the sink cannot take them.
 */
public interface ErrorSink {

  /** Makes the events durable. */
  Future<boolean[]> submit(List<ErrorEvent> events);

  /** True when a 202 means "stored in Postgres", false when it means "in Kafka" (duplicates not detected). */
  boolean detectsDuplicates();
}
