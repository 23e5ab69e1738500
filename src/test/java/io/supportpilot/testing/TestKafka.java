package io.supportpilot.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real single-node KRaft broker, in process, for scaled-mode tests. */
public final class TestKafka implements AutoCloseable {

  private final KafkaClusterTestKit cluster;

  private TestKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Formats and starts a combined broker/controller node and waits until it is ready. */
  public static TestKafka start() {
    try {
      KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
          .setNumBrokerNodes(1).setNumControllerNodes(1).build())
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          .setConfigProp("group.initial.rebalance.delay.ms", "0").build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new TestKafka(cluster);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the in-process Kafka broker", e);
    }
  }

  /** The bootstrap servers string. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
