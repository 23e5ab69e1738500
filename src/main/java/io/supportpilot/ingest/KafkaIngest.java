package io.supportpilot.ingest;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.store.ErrorEventWriter;
import io.supportpilot.store.WriteRequest;
import io.supportpilot.store.WriteResult;
import io.supportpilot.web.EngineContext;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scaled mode. Ingest role: a sink that publishes each normalised error to the topic keyed by error type with
 * an idempotent {@code acks=all} producer and completes on the broker's ack. Process role: a consumer on its own
 * thread that hands each polled batch to the group-commit writer and commits the offsets only after Postgres
 * committed the batch (so a crash replays, and {@code ON CONFLICT} keeps every event stored once). Rebalances
 * are published as {@link PartitionsAssigned} on {@link Addresses#PARTITIONS_ASSIGNED} (the full assignment)
 * and {@link Addresses#PARTITIONS_REVOKED} (the partitions given up).
 */
final class KafkaIngest implements ErrorSink {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaIngest.class);

  private final EngineContext ctx;
  private final Vertx vertx;
  private final IngestConfig config;
  private final EngineConfig.Kafka kafka;
  private final boolean ingests;
  private final boolean processes;
  private final AtomicInteger inFlight = new AtomicInteger();
  private Admin admin;
  private KafkaProducer<String, byte[]> producer;
  private volatile boolean running = true;
  private KafkaConsumer<String, byte[]> consumer;
  private final CompletableFuture<Void> loopDone = new CompletableFuture<>();

  KafkaIngest(EngineContext ctx, IngestConfig config, EngineConfig.Kafka kafka, boolean ingests, boolean processes) {
    this.ctx = ctx;
    this.vertx = ctx.vertx();
    this.config = config;
    this.kafka = kafka;
    this.ingests = ingests;
    this.processes = processes;
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
        admin.createTopics(List.of(new NewTopic(kafka.topic(), java.util.Optional.of(kafka.partitions()),
            java.util.Optional.empty()))).all().get(30, TimeUnit.SECONDS);
        LOG.info("created topic {} with {} partitions", kafka.topic(), kafka.partitions());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
      if (ingests) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 131072);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        // send() must not park an event loop: the in-flight bound keeps the buffer from filling up.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
        producer.partitionsFor(kafka.topic());
      }
      if (processes) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.groupId());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.kafkaMaxPollRecords());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
        Thread t = new Thread(this::loop, "supportpilot-kafka-processor");
        t.setDaemon(true);
        t.start();
      } else {
        loopDone.complete(null);
      }
      return null;
    });
    ctx.health().register("kafka", () -> vertx.executeBlocking(
        () -> admin.describeCluster().clusterId().get(2, TimeUnit.SECONDS)));
    return started;
  }

  // ---------------------------------------------------------------- ingest role

  @Override
  public Future<boolean[]> submit(List<ErrorEvent> events) {
    int n = events.size();
    if (inFlight.addAndGet(n) > config.kafkaMaxInFlight() && inFlight.get() > n) {
      inFlight.addAndGet(-n);
      return Future.failedFuture(HttpFailure.overloaded("too many errors are waiting for the broker; retry later",
          config.retryAfterSeconds()));
    }
    Context context = vertx.getOrCreateContext();
    Promise<boolean[]> promise = Promise.promise();
    AtomicInteger remaining = new AtomicInteger(n);
    boolean[] flags = new boolean[n];
    java.util.concurrent.atomic.AtomicReference<Exception> error = new java.util.concurrent.atomic.AtomicReference<>();
    for (int i = 0; i < n; i++) {
      ErrorEvent e = events.get(i);
      flags[i] = true;
      try {
        producer.send(new ProducerRecord<>(kafka.topic(), e.errorType(), EventCodec.encode(e)), (md, ex) -> {
          if (ex != null) {
            error.compareAndSet(null, ex);
          }
          inFlight.decrementAndGet();
          if (remaining.decrementAndGet() == 0) {
            context.runOnContext(v -> {
              if (error.get() != null) {
                LOG.warn("broker did not acknowledge errors: {}", error.get().toString());
                promise.fail(HttpFailure.unavailable("the broker did not acknowledge the error; retry later",
                    config.retryAfterSeconds()));
              } else {
                promise.complete(flags);
              }
            });
          }
        });
      } catch (RuntimeException ex) {
        error.compareAndSet(null, ex);
        inFlight.decrementAndGet();
        if (remaining.decrementAndGet() == 0) {
          context.runOnContext(v -> promise.fail(HttpFailure.unavailable("the broker is unavailable; retry later",
              config.retryAfterSeconds())));
        }
      }
    }
    return promise.future();
  }

  @Override
  public boolean detectsDuplicates() {
    return false;
  }

  Future<Void> stopIngest() {
    if (producer == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      producer.close(Duration.ofSeconds(10));
      return null;
    });
  }

  // ---------------------------------------------------------------- process role

  Future<Void> stopProcessing() {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    return vertx.executeBlocking(() -> {
      try {
        loopDone.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("the Kafka processor did not stop in time: {}", e.toString());
      }
      if (admin != null) {
        admin.close(Duration.ofSeconds(5));
      }
      return null;
    });
  }

  private void loop() {
    try {
      consumer.subscribe(List.of(kafka.topic()), new Rebalance());
      while (running) {
        ConsumerRecords<String, byte[]> records;
        try {
          records = consumer.poll(Duration.ofMillis(200));
        } catch (WakeupException e) {
          break;
        }
        if (records.isEmpty()) {
          continue;
        }
        processBatch(records);
      }
    } catch (WakeupException e) {
      // stopping
    } catch (RuntimeException e) {
      LOG.error("the Kafka processor stopped on an unexpected error", e);
    } finally {
      try {
        consumer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        LOG.warn("closing the Kafka consumer: {}", e.toString());
      }
      loopDone.complete(null);
    }
  }

  private void processBatch(ConsumerRecords<String, byte[]> records) {
    List<ErrorEvent> events = new ArrayList<>(records.count());
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      try {
        events.add(EventCodec.decode(r.value()));
      } catch (RuntimeException e) {
        LOG.error("skipping an undecodable record at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
            e.getMessage());
      }
    }
    long backoff = 100;
    while (!events.isEmpty()) {
      try {
        // Runs on the consumer's own thread (never an event loop): waiting here is what holds the offsets back
        // until the batch is committed in Postgres.
        WriteResult result = vertx.eventBus().<WriteResult>request(ErrorEventWriter.ADDRESS, new WriteRequest(events),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(60_000))
            .map(m -> m.body()).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        LOG.debug("stored {} of {} polled errors", result.insertedCount(), events.size());
        break;
      } catch (Exception e) {
        if (!running) {
          // Not committed: the next owner of these partitions replays them.
          return;
        }
        LOG.warn("could not store a batch of {} errors from Kafka ({}); retrying in {} ms", events.size(),
            e.getMessage(), backoff);
        waitKeepingMembership(backoff);
        backoff = Math.min(5_000, backoff * 2);
      }
    }
    try {
      consumer.commitSync(offsets);
    } catch (WakeupException e) {
      consumer.commitSync(offsets);
      throw e;
    } catch (RuntimeException e) {
      // Rebalanced meanwhile: the new owner replays from the last commit; ON CONFLICT keeps rows unique.
      LOG.warn("offset commit failed after the batch was stored: {}", e.toString());
    }
  }

  /** Waits by polling with every partition paused, so the consumer stays in its group. */
  private void waitKeepingMembership(long ms) {
    Set<TopicPartition> assigned = consumer.assignment();
    consumer.pause(assigned);
    try {
      consumer.poll(Duration.ofMillis(ms));
    } catch (WakeupException e) {
      running = false;
    } finally {
      consumer.resume(consumer.assignment());
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      publish(org.apache.kafka.common.TopicPartition::partition, partitions, io.supportpilot.bus.Addresses.PARTITIONS_REVOKED);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      onPartitionsRevoked(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("assigned partitions {} of {}", partitions, kafka.topic());
      publish(TopicPartition::partition, consumer.assignment(), Addresses.PARTITIONS_ASSIGNED);
    }

    private void publish(java.util.function.ToIntFunction<TopicPartition> f, Collection<TopicPartition> parts,
        String address) {
      if (parts.isEmpty() && address.equals(Addresses.PARTITIONS_REVOKED)) {
        return;
      }
      Set<Integer> ids = new HashSet<>();
      for (TopicPartition tp : parts) {
        ids.add(f.applyAsInt(tp));
      }
      int count;
      try {
        count = consumer.partitionsFor(kafka.topic()).size();
      } catch (RuntimeException e) {
        count = kafka.partitions();
      }
      vertx.eventBus().publish(address, new PartitionsAssigned(ids, count));
    }
  }
}
