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
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.sqlclient.Tuple;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
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
 * an idempotent {@code acks=all} producer and completes on the broker's ack. {@code send} runs on a dedicated
 * sender thread, never on an event loop (it can wait for broker metadata); while a background probe finds no
 * broker, requests are refused at once with 503. Process role: a consumer on its own thread that hands each
 * polled batch to the group-commit writer and commits the offsets only after Postgres committed the batch (so a
 * crash replays, and {@code ON CONFLICT} keeps every event stored once). Records that do not decode, and records
 * Postgres rejects for a data reason (found by splitting the batch), are written to {@code support_dead_letters}
 * before their offsets are committed; the good records of the batch are stored as usual. Rebalances
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
  static final String DEAD_LETTER = "INSERT INTO support_dead_letters (topic, \"partition\", \"offset\", key, raw,"
      + " error) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (topic, \"partition\", \"offset\") DO NOTHING";
  /** How often the ingest role checks that a broker answers, and how long one check may take. */
  private static final long PROBE_INTERVAL_MS = 1_000;
  private static final int PROBE_TIMEOUT_MS = 2_000;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "supportpilot-kafka-sender");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean brokerReachable = true;
  private final AtomicBoolean probing = new AtomicBoolean();
  private long probeTimer = -1;
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
        // send() runs on the sender thread; a short wait for metadata keeps the queue behind it short, and the
        // in-flight bound keeps the buffer from filling up.
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
    return started.onSuccess(v -> {
      if (ingests) {
        probeTimer = vertx.setPeriodic(PROBE_INTERVAL_MS, id -> probe());
      }
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

  // ---------------------------------------------------------------- ingest role

  @Override
  public Future<boolean[]> submit(List<ErrorEvent> events) {
    if (!brokerReachable) {
      return Future.failedFuture(HttpFailure.unavailable("the broker is unavailable; retry later",
          config.retryAfterSeconds()));
    }
    int n = events.size();
    if (inFlight.addAndGet(n) > config.kafkaMaxInFlight() && inFlight.get() > n) {
      inFlight.addAndGet(-n);
      return Future.failedFuture(HttpFailure.overloaded("too many errors are waiting for the broker; retry later",
          config.retryAfterSeconds()));
    }
    Context context = vertx.getOrCreateContext();
    Promise<boolean[]> promise = Promise.promise();
    try {
      // send() may wait up to max.block.ms for metadata or buffer space: that wait belongs on the sender thread.
      sender.execute(() -> send(events, context, promise));
    } catch (RejectedExecutionException e) {
      inFlight.addAndGet(-n);
      return Future.failedFuture(HttpFailure.unavailable("the broker is unavailable; retry later",
          config.retryAfterSeconds()));
    }
    return promise.future();
  }

  /** Runs on the sender thread; completes the promise on the caller's context once the broker acked all. */
  private void send(List<ErrorEvent> events, Context context, Promise<boolean[]> promise) {
    int n = events.size();
    AtomicInteger remaining = new AtomicInteger(n);
    boolean[] flags = new boolean[n];
    AtomicReference<Exception> error = new AtomicReference<>();
    for (int i = 0; i < n; i++) {
      ErrorEvent e = events.get(i);
      flags[i] = true;
      try {
        if (!brokerReachable) {
          throw new IllegalStateException("the broker is unavailable");
        }
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
        if (ex instanceof org.apache.kafka.common.errors.TimeoutException) {
          // No metadata within max.block.ms: treat the broker as gone until the probe finds it again.
          brokerReachable = false;
        }
        error.compareAndSet(null, ex);
        inFlight.decrementAndGet();
        if (remaining.decrementAndGet() == 0) {
          context.runOnContext(v -> promise.fail(HttpFailure.unavailable("the broker is unavailable; retry later",
              config.retryAfterSeconds())));
        }
      }
    }
  }

  @Override
  public boolean detectsDuplicates() {
    return false;
  }

  Future<Void> stopIngest() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
    }
    if (producer == null) {
      sender.shutdown();
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      sender.shutdown();
      sender.awaitTermination(10, TimeUnit.SECONDS);
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
    List<ConsumerRecord<String, byte[]>> sources = new ArrayList<>(records.count());
    List<DeadLetter> dead = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      try {
        events.add(EventCodec.decode(r.value()));
        sources.add(r);
      } catch (RuntimeException e) {
        LOG.error("record {}-{}@{} does not decode ({}); it goes to the dead letters", r.topic(), r.partition(),
            r.offset(), e.getMessage());
        dead.add(new DeadLetter(r, "undecodable: " + e.getMessage()));
      }
    }
    if (!deadLetter(dead) || !store(events, sources)) {
      return; // stopping: not committed, the next owner of these partitions replays them
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

  /** A record that cannot be stored, and why. */
  private record DeadLetter(ConsumerRecord<String, byte[]> record, String error) {
  }

  /**
   * Stores the events; when Postgres rejects the batch for a data reason, splits it and stores each half, until
   * the rejected records stand alone and go to the dead letters. Transient failures are retried with back-off.
   * False only when stopping (nothing may be committed then).
   */
  private boolean store(List<ErrorEvent> events, List<ConsumerRecord<String, byte[]>> sources) {
    long backoff = 100;
    while (!events.isEmpty()) {
      try {
        // Runs on the consumer's own thread (never an event loop): waiting here is what holds the offsets back
        // until the batch is committed in Postgres.
        WriteResult result = vertx.eventBus().<WriteResult>request(ErrorEventWriter.ADDRESS, new WriteRequest(events),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(60_000))
            .map(m -> m.body()).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
        LOG.debug("stored {} of {} polled errors", result.insertedCount(), events.size());
        return true;
      } catch (Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ReplyException && ((ReplyException) cause).failureType() == ReplyFailure.RECIPIENT_FAILURE
            && ((ReplyException) cause).failureCode() == ErrorEventWriter.REJECTED) {
          if (events.size() == 1) {
            LOG.error("Postgres rejects record {}-{}@{}; it goes to the dead letters", sources.get(0).topic(),
                sources.get(0).partition(), sources.get(0).offset());
            return deadLetter(List.of(new DeadLetter(sources.get(0), "rejected by Postgres (data error): "
                + cause.getMessage())));
          }
          int half = events.size() / 2;
          return store(events.subList(0, half), sources.subList(0, half))
              && store(events.subList(half, events.size()), sources.subList(half, sources.size()));
        }
        if (!running) {
          return false;
        }
        LOG.warn("could not store a batch of {} errors from Kafka ({}); retrying in {} ms", events.size(),
            cause.getMessage(), backoff);
        waitKeepingMembership(backoff);
        backoff = Math.min(5_000, backoff * 2);
      }
    }
    return true;
  }

  /** Writes dead letters (idempotent per record), retrying until Postgres takes them; false only when stopping. */
  private boolean deadLetter(List<DeadLetter> dead) {
    if (dead.isEmpty()) {
      return true;
    }
    List<Tuple> rows = new ArrayList<>(dead.size());
    for (DeadLetter d : dead) {
      ConsumerRecord<String, byte[]> r = d.record();
      rows.add(Tuple.of(r.topic(), r.partition(), r.offset(), clean(r.key()),
          r.value() == null ? null : Buffer.buffer(r.value()), clean(d.error())));
    }
    long backoff = 100;
    while (true) {
      try {
        ctx.pool().preparedQuery(DEAD_LETTER).executeBatch(rows).toCompletionStage().toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
        return true;
      } catch (Exception e) {
        if (!running) {
          return false;
        }
        LOG.warn("could not write {} dead letters ({}); retrying in {} ms", dead.size(), e.getMessage(), backoff);
        waitKeepingMembership(backoff);
        backoff = Math.min(5_000, backoff * 2);
      }
    }
  }

  /** Text Postgres takes: no NUL characters, bounded length. */
  private static String clean(String s) {
    if (s == null) {
      return null;
    }
    String t = s.replace('\u0000', '?');
    return t.length() > 2000 ? t.substring(0, 2000) : t;
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
