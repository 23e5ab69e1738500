package io.supportpilot.ingest;

import io.supportpilot.config.EngineConfig;
import io.supportpilot.web.EngineContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scaled mode: creates the error topic, reports the broker to {@code /health}, and runs this instance's roles, the
 * {@link KafkaPublisher} (ingest role: webhooks to the topic) and the {@link KafkaProcessor} (process role: the
 * topic to Postgres).
 */
final class KafkaIngest {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaIngest.class);

  private final EngineContext ctx;
  private final Vertx vertx;
  private final EngineConfig.Kafka kafka;
  private Admin admin;
  private final KafkaPublisher publisher;
  private final KafkaProcessor processor;

  KafkaIngest(EngineContext ctx, IngestConfig config, EngineConfig.Kafka kafka, boolean ingests, boolean processes) {
    this.ctx = ctx;
    this.vertx = ctx.vertx();
    this.kafka = kafka;
    this.publisher = ingests ? new KafkaPublisher(vertx, config, kafka) : null;
    this.processor = processes ? new KafkaProcessor(vertx, ctx.pool(), config, kafka) : null;
  }

  /** The ingest role's sink (null when this instance only processes); it takes errors once started. */
  ErrorSink publisher() {
    return publisher;
  }

  Future<Void> start() {
    String bootstrap = kafka.bootstrapServers().get();
    Future<Void> started = vertx.executeBlocking(() -> {
      Properties a = new Properties();
      a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
      a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
      admin = Admin.create(a);
      try {
        admin.createTopics(List.of(new NewTopic(kafka.topic(), Optional.of(kafka.partitions()), Optional.empty())))
            .all().get(30, TimeUnit.SECONDS);
        LOG.info("created topic {} with {} partitions", kafka.topic(), kafka.partitions());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      return null;
    });
    ctx.health().register("kafka", () -> vertx.executeBlocking(
        () -> admin.describeCluster().clusterId().get(2, TimeUnit.SECONDS)));
    if (publisher != null) {
      started = started.compose(v -> publisher.start(bootstrap, admin));
    }
    if (processor != null) {
      started = started.compose(v -> processor.start(bootstrap));
    }
    return started;
  }

  /** Stops the ingest role: no new sends, the producer flushed and closed. */
  Future<Void> stopIngest() {
    return publisher == null ? Future.succeededFuture() : publisher.stop();
  }

  /** Stops the process role (the batch in hand finishes and commits), then closes the admin client. */
  Future<Void> stopProcessing() {
    Future<Void> stopped = processor == null ? Future.succeededFuture() : processor.stop();
    return stopped.compose(v -> admin == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      admin.close(Duration.ofSeconds(5));
      return null;
    }));
  }
}
