package io.supportpilot.devops;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.StoredErrors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DevOps agent's event side: turns stored Sentry errors of level fatal or error (new issues, regressions, issue
 * alerts) into at most one open task per Sentry issue (or fingerprint), takes tasks written by the spike detector
 * and the support agent, and works the queue with bounded concurrency. A periodic scan picks up tasks missed while
 * the queue was full or the instance was down, and follows the open pull requests until merged or closed.
 */
final class DevopsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DevopsVerticle.class);

  private final DevopsConfig cfg;
  private final DevopsTasks tasks;
  private final DevopsAgent agent;
  private final PullRequestFollowUp followUp;
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private final Set<String> queued = new HashSet<>();
  private final SentryTrigger trigger;
  private int running;
  private long scanTimer = -1;
  private long prTimer = -1;
  private MessageConsumer<StoredErrors> storedConsumer;
  private MessageConsumer<JsonObject> taskConsumer;

  DevopsVerticle(DevopsConfig cfg, DevopsTasks tasks, DevopsAgent agent, PullRequestFollowUp followUp) {
    this.cfg = cfg;
    this.tasks = tasks;
    this.agent = agent;
    this.followUp = followUp;
    this.trigger = new SentryTrigger(Math.min(60_000, Math.max(1_000, cfg.scanInterval().toMillis())));
  }

  @Override
  public Future<?> start() {
    storedConsumer = vertx.eventBus().localConsumer(Addresses.ERRORS_STORED, m -> onStored(m.body()));
    taskConsumer = vertx.eventBus().localConsumer(Addresses.DEVOPS_TASKS, m -> {
      JsonObject t = m.body();
      if (t != null && t.getString("id") != null) {
        enqueue(t.getString("id"));
      }
    });
    scanTimer = vertx.setPeriodic(10, cfg.scanInterval().toMillis(), t -> scan());
    if (followUp != null) {
      prTimer = vertx.setPeriodic(cfg.prPollInterval().toMillis(), t -> followUp.poll());
    }
    return Future.all(storedConsumer.completion(), taskConsumer.completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(scanTimer);
    vertx.cancelTimer(prTimer);
    return Future.all(storedConsumer.unregister(), taskConsumer.unregister());
  }

  private void onStored(StoredErrors batch) {
    long now = System.currentTimeMillis();
    for (ErrorEvent e : batch.events()) {
      SentryTrigger.Trigger t = trigger.check(e, now);
      if (t == null) {
        continue;
      }
      tasks.create(UUID.randomUUID().toString(), "sentry_error", t.errorType(), t.key(), t.details(), t.regression(),
          cfg.retriggerAfter())
          .onSuccess(created -> created.ifPresent(this::enqueue))
          .onFailure(err -> {
            trigger.forget(t.key());
            LOG.warn("could not create the DevOps task for {}: {}", t.key(), err.getMessage());
          });
    }
  }

  private void enqueue(String id) {
    if (queued.contains(id) || queue.size() >= cfg.maxQueue()) {
      return; // already queued, or the periodic scan picks it up later
    }
    queued.add(id);
    queue.add(id);
    pump();
  }

  private void pump() {
    while (running < cfg.concurrency() && !queue.isEmpty()) {
      String id = queue.poll();
      running++;
      agent.work(id).onComplete(ar -> {
        running--;
        queued.remove(id);
        if (ar.failed()) {
          LOG.warn("DevOps task {} could not be worked: {}", id, Redactor.text(ar.cause().getMessage()));
        } else {
          LOG.info("DevOps task {}: {}", id, ar.result());
        }
        pump();
      });
    }
  }

  private void scan() {
    tasks.reclaimStale(cfg.runTimeout())
        .compose(n -> tasks.due(Math.max(1, cfg.maxQueue() - queue.size())))
        .onSuccess(ids -> ids.forEach(this::enqueue))
        .onFailure(e -> LOG.warn("DevOps task scan failed: {}", e.getMessage()));
  }
}
