package io.supportpilot.spike;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.bus.StoredErrors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;

/**
 * The verticle of the spike capability: its event loop owns the counters and the spikes, and every part runs on
 * it. It only receives and delegates: stored errors ({@link Addresses#ERRORS_STORED}) and the periodic tick go to
 * {@link SpikeCounting}, partition assignments and revocations and the start-up rebuild to {@link CounterRebuild},
 * and the {@link Addresses#SPIKES_COUNTERS} / {@link Addresses#SPIKES_TICK} requests to {@link CounterDrillDown}.
 */
final class SpikeDetector extends VerticleBase {

  private final Duration tickInterval;
  private final SpikeCounting counting;
  private final CounterRebuild rebuild;
  private final CounterDrillDown drillDown;
  private long timer = -1;

  SpikeDetector(Duration tickInterval, SpikeCounting counting, CounterRebuild rebuild, CounterDrillDown drillDown) {
    this.tickInterval = tickInterval;
    this.counting = counting;
    this.rebuild = rebuild;
    this.drillDown = drillDown;
  }

  /** Kafka's default partitioner for a String key (see {@link PartitionOwnership#partitionOf(String, int)}). */
  static int partitionOf(String errorType, int partitions) {
    return PartitionOwnership.partitionOf(errorType, partitions);
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    bus.<StoredErrors>localConsumer(Addresses.ERRORS_STORED, m -> counting.count(m.body().events()));
    bus.<PartitionsAssigned>localConsumer(Addresses.PARTITIONS_ASSIGNED, m -> rebuild.assigned(m.body()));
    bus.<PartitionsAssigned>localConsumer(Addresses.PARTITIONS_REVOKED, m -> rebuild.revoked(m.body()));
    bus.<Object>localConsumer(Addresses.SPIKES_TICK, m -> {
      counting.tick();
      m.reply(drillDown.summary());
    });
    bus.<String>localConsumer(Addresses.SPIKES_COUNTERS, m -> m.reply(drillDown.answer(m.body())));
    timer = vertx.setPeriodic(tickInterval.toMillis(), id -> counting.tick());
    return rebuild.start();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
