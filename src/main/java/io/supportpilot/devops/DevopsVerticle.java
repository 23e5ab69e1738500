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
import java.util.LinkedHashMap;
import java.util.Map;
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
  private static final Set<String> LEVELS = Set.of("fatal", "error");
  private static final int RECENT_KEYS = 10_000;

  private final DevopsConfig cfg;
  private final DevopsTasks tasks;
  private final DevopsAgent agent;
  private final PullRequestFollowUp followUp;
  private final ArrayDeque<String[]> queue = new ArrayDeque<>();
  private final Set<String> queued = new HashSet<>();
  // Keys that got (or already had) an open task a moment ago: a storm of one issue costs one insert per window.
  private final Map<String, Long> recentKeys = new LinkedHashMap<>(16, 0.75f, false);
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
  }

  @Override
  public Future<?> start() {
    storedConsumer = vertx.eventBus().localConsumer(Addresses.ERRORS_STORED, m -> onStored(m.body()));
    taskConsumer = vertx.eventBus().localConsumer(Addresses.DEVOPS_TASKS, m -> {
      JsonObject t = m.body();
      if (t != null && t.getString("id") != null) {
        enqueue(t.getString("id"), t.getString("type"), t.getString("error_type"));
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
    long window = Math.min(60_000, Math.max(1_000, cfg.scanInterval().toMillis()));
    for (ErrorEvent e : batch.events()) {
      if (!"sentry".equals(e.source()) || e.level() == null || !LEVELS.contains(e.level().toLowerCase())) {
        continue;
      }
      JsonObject sentry = sentryContext(e);
      String issueId = sentry.getValue("issue_id") == null ? null : String.valueOf(sentry.getValue("issue_id"));
      String key = issueId != null ? "sentry:" + issueId : "fingerprint:" + e.fingerprint();
      boolean regression = "unresolved".equals(sentry.getString("action"))
          || "regressed".equals(sentry.getString("substatus"));
      Long until = recentKeys.get(key);
      if (until != null && until > now && !regression) {
        continue;
      }
      if (recentKeys.size() >= RECENT_KEYS) {
        recentKeys.clear();
      }
      recentKeys.put(key, now + window);
      JsonObject details = details(e, sentry, issueId);
      String id = UUID.randomUUID().toString();
      tasks.create(id, "sentry_error", e.errorType(), key, details, regression, cfg.retriggerAfter())
          .onSuccess(created -> created.ifPresent(x -> enqueue(x, "sentry_error", e.errorType())))
          .onFailure(err -> {
            recentKeys.remove(key);
            LOG.warn("could not create the DevOps task for {}: {}", key, err.getMessage());
          });
    }
  }

  private static JsonObject sentryContext(ErrorEvent e) {
    try {
      JsonObject ctx = e.contextJson() == null ? new JsonObject() : new JsonObject(e.contextJson());
      return ctx.getValue("sentry") instanceof JsonObject ? ctx.getJsonObject("sentry") : new JsonObject();
    } catch (RuntimeException ex) {
      return new JsonObject();
    }
  }

  private static JsonObject details(ErrorEvent e, JsonObject sentry, String issueId) {
    JsonObject d = new JsonObject().put("source", "sentry").put("event_id", e.eventId()).put("level", e.level())
        .put("error_type", e.errorType()).put("message", e.message()).put("fingerprint", e.fingerprint())
        .put("occurred_at", e.occurredAt() == null ? null : e.occurredAt().toString());
    if (issueId != null) {
      d.put("issue_id", issueId);
    }
    for (String k : new String[] {"action", "substatus", "title", "culprit", "web_url", "permalink", "shortId",
        "count", "userCount", "firstSeen", "lastSeen", "release", "environment"}) {
      Object v = sentry.getValue(k);
      if (v != null) {
        d.put(k, v);
      }
    }
    if (d.getString("web_url") == null && d.getString("permalink") != null) {
      d.put("web_url", d.getString("permalink"));
    }
    if (e.stack() != null) {
      String s = e.stack();
      // The crashing frame is last in a Sentry stack: keep the end.
      d.put("stack", s.length() > 2000 ? s.substring(s.length() - 2000) : s);
    }
    return Redactor.json(d);
  }

  private void enqueue(String id, String type, String errorType) {
    if (queued.contains(id) || queue.size() >= cfg.maxQueue()) {
      return; // already queued, or the periodic scan picks it up later
    }
    queued.add(id);
    queue.add(new String[] {id, type, errorType});
    pump();
  }

  private void pump() {
    while (running < cfg.concurrency() && !queue.isEmpty()) {
      String[] t = queue.poll();
      running++;
      agent.work(t[0]).onComplete(ar -> {
        running--;
        queued.remove(t[0]);
        if (ar.failed()) {
          LOG.warn("DevOps task {} could not be worked: {}", t[0], Redactor.text(ar.cause().getMessage()));
        } else {
          LOG.info("DevOps task {}: {}", t[0], ar.result());
        }
        pump();
      });
    }
  }

  private void scan() {
    tasks.reclaimStale(cfg.runTimeout())
        .compose(n -> tasks.due(Math.max(1, cfg.maxQueue() - queue.size())))
        .onSuccess(ids -> ids.forEach(id -> enqueue(id, null, null)))
        .onFailure(e -> LOG.warn("DevOps task scan failed: {}", e.getMessage()));
  }
}
