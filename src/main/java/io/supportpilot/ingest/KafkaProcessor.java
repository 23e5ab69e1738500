package io.supportpilot.ingest;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.PartitionsAssigned;
import io.supportpilot.bus.WriteRequest;
import io.supportpilot.bus.WriteResult;
import io.supportpilot.config.EngineConfig;
import io.supportpilot.store.ErrorEventWriter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scaled mode, process role: a Vert.x Kafka consumer whose batches go to the group-commit writer. The stream is
 * paused while a batch is handled, and the batch's offsets are committed only after Postgres committed it (so a
 * crash replays, and {@code ON CONFLICT} keeps every event stored once); then the stream resumes. Records that do
 * not decode, and records Postgres rejects for a data reason (found by splitting the batch), are written to
 * {@code support_dead_letters} before their offsets are committed; the good records of the batch are stored as
 * usual. Rebalances are published as {@link PartitionsAssigned} on {@link Addresses#PARTITIONS_ASSIGNED} (the full
 * assignment) and {@link Addresses#PARTITIONS_REVOKED} (the partitions given up). Handlers run on the event loop
 * that started it; the consumer's blocking calls run on the client's own thread.
 */
final class KafkaProcessor {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaProcessor.class);
  static final String DEAD_LETTER = "INSERT INTO support_dead_letters (topic, \"partition\", \"offset\", key, raw,"
      + " error) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (topic, \"partition\", \"offset\") DO NOTHING";
  /** How long one poll waits for records; also the longest a commit or pause waits behind an idle poll. */
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long MAX_BACKOFF_MS = 5_000;

  private final Vertx vertx;
  private final Pool pool;
  private final IngestConfig config;
  private final EngineConfig.Kafka kafka;
  /** This instance's partitions, kept from the rebalance handlers (event loop only). */
  private final Set<Integer> owned = new HashSet<>();
  /** The highest offset committed per partition since it was assigned: a replayed batch never moves it back. */
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private KafkaConsumer<String, byte[]> consumer;
  private Future<Void> published = Future.succeededFuture();
  private Promise<Void> idle = promiseDone();
  private boolean stopping;
  private int partitionCount;

  KafkaProcessor(Vertx vertx, Pool pool, IngestConfig config, EngineConfig.Kafka kafka) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.kafka = kafka;
    this.partitionCount = kafka.partitions();
  }

  private static Promise<Void> promiseDone() {
    Promise<Void> p = Promise.promise();
    p.complete();
    return p;
  }

  /** Creates the consumer off the event loop, then subscribes; batches start arriving on this context. */
  Future<Void> start(String bootstrap) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.kafkaMaxPollRecords());
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return vertx.executeBlocking(() -> new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(c))
        .compose(client -> {
          consumer = KafkaConsumer.create(vertx, client);
          consumer.pollTimeout(POLL_TIMEOUT);
          consumer.exceptionHandler(e -> LOG.warn("the Kafka consumer reported: {}", e.toString()));
          consumer.partitionsAssignedHandler(this::onAssigned);
          consumer.partitionsRevokedHandler(this::onRevoked);
          consumer.batchHandler(this::onBatch);
          return consumer.subscribe(kafka.topic());
        });
  }

  /** Stops taking batches, lets the one in hand finish (at most 60 s; retries give up), then closes. */
  Future<Void> stop() {
    stopping = true;
    if (consumer == null) {
      return Future.succeededFuture();
    }
    consumer.pause();
    return idle.future().timeout(60, TimeUnit.SECONDS)
        .recover(e -> {
          LOG.warn("the Kafka processor did not finish its batch in time: {}", e.toString());
          return Future.succeededFuture();
        })
        .compose(v -> consumer.close())
        .recover(e -> {
          LOG.warn("closing the Kafka consumer: {}", e.toString());
          return Future.succeededFuture();
        });
  }

  // ---------------------------------------------------------------- batches

  private void onBatch(KafkaConsumerRecords<String, byte[]> batch) {
    if (stopping) {
      // A poll that was under way when stop() paused the stream: left uncommitted, the next owner replays it
      // (handling it now would commit on a consumer that is closing).
      return;
    }
    // Backpressure: no further poll until this batch is stored and its offsets committed.
    consumer.pause();
    idle = Promise.promise();
    Promise<Void> done = idle;
    handle(batch.records()).onComplete(ar -> {
      done.tryComplete();
      if (ar.failed() && stopping) {
        LOG.info("stopping: a batch was left uncommitted; the next owner of its partitions replays it");
      } else if (ar.failed()) {
        // Resuming would commit later offsets past records that were never stored: stay paused, so the group
        // hands these partitions to another instance after max.poll.interval.ms and it replays them.
        LOG.error("the Kafka processor stopped on an unexpected error; its batch is left uncommitted", ar.cause());
      } else if (!stopping) {
        consumer.resume();
      }
    });
  }

  /** Dead-letters what does not decode, stores the rest, then commits; nothing is committed when stopping. */
  private Future<Void> handle(ConsumerRecords<String, byte[]> records) {
    List<ErrorEvent> events = new ArrayList<>(records.count());
    List<ConsumerRecord<String, byte[]>> sources = new ArrayList<>(records.count());
    List<DeadLetter> dead = new ArrayList<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1, ""));
      try {
        events.add(EventCodec.decode(r.value()));
        sources.add(r);
      } catch (RuntimeException e) {
        LOG.error("record {}-{}@{} does not decode ({}); it goes to the dead letters", r.topic(), r.partition(),
            r.offset(), e.getMessage());
        dead.add(new DeadLetter(r, "undecodable: " + e.getMessage()));
      }
    }
    return deadLetter(dead, 100)
        .compose(v -> store(events, sources, 100))
        .compose(v -> commit(offsets));
  }

  /** Commits the offsets that move a partition forward; a failed commit only means a replay (stored once). */
  private Future<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.entrySet().removeIf(e -> e.getValue().getOffset() <= committed.getOrDefault(e.getKey(), -1L));
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    return consumer.commit(offsets)
        .<Void>map(v -> {
          offsets.forEach((tp, o) -> committed.merge(tp, o.getOffset(), Math::max));
          return null;
        })
        .recover(e -> {
          // Rebalanced meanwhile: the new owner replays from the last commit; ON CONFLICT keeps rows unique.
          LOG.warn("offset commit failed after the batch was stored: {}", e.toString());
          return Future.succeededFuture();
        });
  }

  /** A record that cannot be stored, and why. */
  private record DeadLetter(ConsumerRecord<String, byte[]> record, String error) {
  }

  /**
   * Stores the events; when Postgres rejects the batch for a data reason, splits it and stores each half, until
   * the rejected records stand alone and go to the dead letters. Transient failures are retried with back-off;
   * when stopping the future fails (nothing may be committed then).
   */
  private Future<Void> store(List<ErrorEvent> events, List<ConsumerRecord<String, byte[]>> sources, long backoff) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().<WriteResult>request(Addresses.ERRORS_WRITE, new WriteRequest(events),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(60_000))
        .<Void>map(m -> {
          LOG.debug("stored {} of {} polled errors", m.body().insertedCount(), events.size());
          return null;
        })
        .recover(cause -> {
          if (cause instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
              && re.failureCode() == ErrorEventWriter.REJECTED) {
            if (events.size() == 1) {
              ConsumerRecord<String, byte[]> r = sources.get(0);
              LOG.error("Postgres rejects record {}-{}@{}; it goes to the dead letters", r.topic(), r.partition(),
                  r.offset());
              return deadLetter(List.of(new DeadLetter(r, "rejected by Postgres (data error): "
                  + cause.getMessage())), 100);
            }
            int half = events.size() / 2;
            return store(events.subList(0, half), sources.subList(0, half), 100)
                .compose(v -> store(events.subList(half, events.size()), sources.subList(half, sources.size()),
                    100));
          }
          return retry(backoff, "could not store a batch of " + events.size() + " errors from Kafka", cause,
              next -> store(events, sources, next));
        });
  }

  /** Writes dead letters (idempotent per record), retrying until Postgres takes them; fails only when stopping. */
  private Future<Void> deadLetter(List<DeadLetter> dead, long backoff) {
    if (dead.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> rows = new ArrayList<>(dead.size());
    for (DeadLetter d : dead) {
      ConsumerRecord<String, byte[]> r = d.record();
      rows.add(Tuple.of(r.topic(), r.partition(), r.offset(), clean(r.key()),
          r.value() == null ? null : Buffer.buffer(r.value()), clean(d.error())));
    }
    return pool.preparedQuery(DEAD_LETTER).executeBatch(rows).<Void>mapEmpty()
        .recover(e -> retry(backoff, "could not write " + dead.size() + " dead letters", e,
            next -> deadLetter(dead, next)));
  }

  /** Waits {@code backoff} ms (no thread waits) and tries again with a doubled back-off; gives up when stopping. */
  private Future<Void> retry(long backoff, String what, Throwable cause,
      LongFunction<Future<Void>> again) {
    if (stopping) {
      return Future.failedFuture(new IllegalStateException("stopping: " + what, cause));
    }
    LOG.warn("{} ({}); retrying in {} ms", what, cause.getMessage(), backoff);
    return vertx.timer(backoff).compose(v -> again.apply(Math.min(MAX_BACKOFF_MS, backoff * 2)));
  }

  /** Text Postgres takes: no NUL characters, bounded length. */
  private static String clean(String s) {
    if (s == null) {
      return null;
    }
    String t = s.replace('\u0000', '?');
    return t.length() > 2000 ? t.substring(0, 2000) : t;
  }

  // ---------------------------------------------------------------- rebalances

  private void onAssigned(Set<TopicPartition> partitions) {
    LOG.info("assigned partitions {} of {}", partitions, kafka.topic());
    for (TopicPartition tp : partitions) {
      owned.add(tp.getPartition());
    }
    publish(Addresses.PARTITIONS_ASSIGNED, Set.copyOf(owned));
  }

  private void onRevoked(Set<TopicPartition> partitions) {
    Set<Integer> ids = new HashSet<>();
    for (TopicPartition tp : partitions) {
      ids.add(tp.getPartition());
      committed.remove(tp);
    }
    owned.removeAll(ids);
    if (!ids.isEmpty()) {
      publish(Addresses.PARTITIONS_REVOKED, ids);
    }
  }

  /**
   * Publishes in the order the rebalances happened, with the topic's partition count as the broker knows it. While
   * stopping (the consumer closes and gives its partitions up) the last known count is used: a call on a closed
   * Vert.x consumer would start a second client thread.
   */
  private void publish(String address, Set<Integer> ids) {
    published = published
        .compose(v -> stopping ? Future.succeededFuture(partitionCount)
            : consumer.partitionsFor(kafka.topic()).map(List::size).onSuccess(n -> partitionCount = n))
        .otherwise(e -> partitionCount)
        .map(count -> {
          vertx.eventBus().publish(address, new PartitionsAssigned(ids, count));
          return null;
        });
  }
}
