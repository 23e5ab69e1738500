package io.supportpilot.ingest;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scaled mode, ingest role: publishes each normalised error to the topic keyed by error type with an idempotent
 * {@code acks=all} Vert.x Kafka producer and completes once the broker acknowledged every event of the request.
 * The producer's {@code send} runs on a Vert.x worker (it can wait for broker metadata), never on an event loop;
 * while a background probe finds no broker, requests are refused at once with 503.
 */
final class KafkaPublisher implements ErrorSink {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);
  /** How often the ingest role checks that a broker answers, and how long one check may take. */
  private static final long PROBE_INTERVAL_MS = 1_000;
  private static final int PROBE_TIMEOUT_MS = 2_000;
  /** How long start-up waits for the topic's metadata. */
  private static final long METADATA_WAIT_MS = 30_000;

  private final Vertx vertx;
  private final IngestConfig config;
  private final String topic;
  private Admin admin;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean brokerReachable = true;
  private KafkaProducer<String, byte[]> producer;
  private long probeTimer = -1;

  KafkaPublisher(Vertx vertx, IngestConfig config, EngineConfig.Kafka kafka) {
    this.vertx = vertx;
    this.config = config;
    this.topic = kafka.topic();
  }

  /**
   * Creates the producer off the event loop, waits for the topic's metadata, then starts probing the broker with
   * {@code admin}.
   */
  Future<Void> start(String bootstrap, Admin admin) {
    this.admin = admin;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 131072);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
    // send() runs on a worker; a short wait for metadata keeps the queue behind it short, and the in-flight
    // bound keeps the buffer from filling up.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10000);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // Building the client loads classes and parses config: a worker's job, then Vert.x wraps it.
    return vertx.executeBlocking(() -> new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(p))
        .map(client -> KafkaProducer.create(vertx, client))
        .compose(created -> {
          producer = created;
          // A refused send fails its own future (answered with 503); no second report as an unhandled exception.
          producer.exceptionHandler(e -> LOG.debug("send failed: {}", e.toString()));
          return topicMetadata(System.currentTimeMillis() + METADATA_WAIT_MS);
        })
        .onSuccess(v -> probeTimer = vertx.setPeriodic(PROBE_INTERVAL_MS, id -> probe()));
  }

  /**
   * Waits until the producer knows the topic's partitions: a topic created a moment ago may take longer than one
   * {@code max.block.ms} to reach the metadata on a loaded machine.
   */
  private Future<Void> topicMetadata(long deadline) {
    return producer.partitionsFor(topic).<Void>mapEmpty().recover(e -> {
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(e);
      }
      return vertx.timer(200).compose(v -> topicMetadata(deadline));
    });
  }

  /** Asks the cluster for its nodes without blocking any thread; the answer (or its absence) sets reachability. */
  private void probe() {
    if (!probing.compareAndSet(false, true)) {
      return;
    }
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(PROBE_TIMEOUT_MS)).nodes()
          .whenComplete((nodes, e) -> {
            boolean up = e == null && nodes != null && !nodes.isEmpty();
            if (up != brokerReachable) {
              if (up) {
                LOG.info("the Kafka broker answers again; accepting errors");
              } else {
                LOG.warn("no Kafka broker answers ({}); refusing errors with 503 until one does",
                    e == null ? "no nodes" : e.toString());
              }
            }
            brokerReachable = up;
            probing.set(false);
          });
    } catch (RuntimeException e) {
      brokerReachable = false;
      probing.set(false);
    }
  }

  @Override
  public Future<boolean[]> submit(List<ErrorEvent> events) {
    if (!brokerReachable) {
      return Future.failedFuture(unavailable());
    }
    int n = events.size();
    if (inFlight.addAndGet(n) > config.kafkaMaxInFlight() && inFlight.get() > n) {
      inFlight.addAndGet(-n);
      return Future.failedFuture(HttpFailure.overloaded("too many errors are waiting for the broker; retry later",
          config.retryAfterSeconds()));
    }
    List<Future<?>> acks = new ArrayList<>(n);
    for (ErrorEvent e : events) {
      acks.add(producer.send(KafkaProducerRecord.create(topic, e.errorType(), EventCodec.encode(e)))
          .onComplete(ar -> inFlight.decrementAndGet()));
    }
    // Each send's future completes on this request's context once the broker acknowledged (or refused) it.
    return Future.join(acks).transform(ar -> {
      if (ar.succeeded()) {
        boolean[] flags = new boolean[n];
        Arrays.fill(flags, true);
        return Future.succeededFuture(flags);
      }
      Throwable cause = ar.cause();
      if (cause instanceof TimeoutException) {
        // No metadata within max.block.ms: treat the broker as gone until the probe finds it again.
        brokerReachable = false;
        return Future.failedFuture(unavailable());
      }
      LOG.warn("broker did not acknowledge errors: {}", cause.toString());
      return Future.failedFuture(HttpFailure.unavailable("the broker did not acknowledge the error; retry later",
          config.retryAfterSeconds()));
    });
  }

  private HttpFailure unavailable() {
    return HttpFailure.unavailable("the broker is unavailable; retry later", config.retryAfterSeconds());
  }

  @Override
  public boolean detectsDuplicates() {
    return false;
  }

  /** Stops the probe, then flushes and closes the producer (on a worker, at most 10 s). */
  Future<Void> stop() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
    }
    return producer == null ? Future.succeededFuture() : producer.close(10_000);
  }
}
