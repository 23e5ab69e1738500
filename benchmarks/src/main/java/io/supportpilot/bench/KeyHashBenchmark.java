package io.supportpilot.bench;

import io.supportpilot.bus.EventKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Does a record key's generated {@code hashCode}/{@code equals} (through {@code ObjectMethods} method handles) cost
 * more than hand-written ones? A HashMap lookup per operation, keys built from fresh copies of the strings (as the
 * engine builds them per event, so each String's hash is computed once), the same for both kinds of key. The engine's
 * {@link EventKey} has hand-written methods since 3 Dec: here, with a shallow call chain, the generated ones cost ~5 ns
 * more a lookup, but in the engine, deep under a map lookup, their method handles were not inlined and showed as
 * their own frames in the flame graph of the batch phase (see benchmarks/results/2026-12-03-evening).
 */
@State(Scope.Thread)
public class KeyHashBenchmark extends BenchmarkBase {

  /** The same two fields as {@link EventKey}, with the methods a record generates. */
  record RecordKey(String source, String eventId) {
  }

  private final Map<RecordKey, Integer> records = new HashMap<>();
  private final Map<EventKey, Integer> hand = new HashMap<>();
  private String[] ids;
  private int i;

  @Setup
  public void setup() {
    ids = new String[4096];
    for (int k = 0; k < ids.length; k++) {
      ids[k] = "evt-" + Objects.hash(k, 17) + "-0f3a9c2b7d1e4a6f";
      records.put(new RecordKey("mcp", ids[k]), k);
      hand.put(new EventKey("mcp", ids[k]), k);
    }
  }

  @Benchmark
  public Integer recordKey() {
    String id = new String(ids[i++ & 4095]);
    return records.get(new RecordKey("mcp", id));
  }

  @Benchmark
  public Integer handWrittenKey() {
    String id = new String(ids[i++ & 4095]);
    return hand.get(new EventKey("mcp", id));
  }
}
