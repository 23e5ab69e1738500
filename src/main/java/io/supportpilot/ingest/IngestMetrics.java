package io.supportpilot.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Ingestion meters: events by source, outcome and reason, and the ack latency (a timer published as Prometheus histogram buckets). */
public final class IngestMetrics {

  /** Events by {@code source}, {@code outcome} (accepted, duplicate, rejected, ignored) and {@code reason}. */
  public static final String EVENTS = "supportpilot.ingest.events";
  /** Time from request arrival to the durable 2xx answer, by source; p50/p99/p999 published. */
  public static final String ACK_LATENCY = "supportpilot.ingest.ack.latency";

  /** Where an event came from. */
  public enum Source { MCP, SENTRY }

  /** What became of an event. */
  public enum Outcome { ACCEPTED, DUPLICATE, REJECTED, IGNORED }

  /** Why an event was rejected (or {@code none}). */
  public enum Reason {
    NONE, MALFORMED, BAD_SIGNATURE, TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, OVERLOADED, STORE_DOWN, FAILED;

    static Reason ofStatus(int status) {
      switch (status) {
        case 400: return MALFORMED;
        case 401: return BAD_SIGNATURE;
        case 413: return TOO_LARGE;
        case 415: return UNSUPPORTED_MEDIA_TYPE;
        case 429: return OVERLOADED;
        case 503: return STORE_DOWN;
        default: return FAILED;
      }
    }
  }

  private final Counter[][][] counters;
  private final Timer[] latency;

  IngestMetrics(MeterRegistry registry) {
    counters = new Counter[Source.values().length][Outcome.values().length][Reason.values().length];
    latency = new Timer[Source.values().length];
    for (Source s : Source.values()) {
      latency[s.ordinal()] = Timer.builder(ACK_LATENCY).tag("source", lower(s))
          .description("request arrival to durable acknowledgement")
          // Buckets, not client-side quantiles: histogram_quantile() aggregates them across instances.
          .publishPercentileHistogram()
          .serviceLevelObjectives(Duration.ofMillis(25))
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(10))
          .register(registry);
      for (Outcome o : Outcome.values()) {
        for (Reason r : Reason.values()) {
          if ((o == Outcome.REJECTED) == (r != Reason.NONE)) {
            counters[s.ordinal()][o.ordinal()][r.ordinal()] = Counter.builder(EVENTS)
                .tag("source", lower(s)).tag("outcome", lower(o)).tag("reason", lower(r))
                .description("webhook error events by outcome").register(registry);
          }
        }
      }
    }
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  void count(Source s, Outcome o, int n) {
    counters[s.ordinal()][o.ordinal()][Reason.NONE.ordinal()].increment(n);
  }

  void rejected(Source s, Reason r, int n) {
    counters[s.ordinal()][Outcome.REJECTED.ordinal()][r.ordinal()].increment(n);
  }

  void acked(Source s, long startNanos) {
    latency[s.ordinal()].record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
  }
}
