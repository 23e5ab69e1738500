package io.supportpilot.learning;

import io.supportpilot.bus.Addresses;
import io.supportpilot.knowledge.KnowledgeService;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the learning loop: buffers pattern triggers from triage and writes them in batches, and on its schedule (or
 * on request) counts resolutions, learns from rated resolutions (4.1), drafts articles (4.2) and optimises patterns
 * (4.3). Runs never overlap: each waits for the previous one. All database work is asynchronous.
 */
final class LearningJobs extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(LearningJobs.class);

  private final LearningConfig cfg;
  private final PatternStatistics statistics;
  private final ResolutionLearner learner;
  private final ArticleDrafter drafter;
  private final PatternOptimiser optimiser;
  private final Supplier<KnowledgeService> knowledge;
  private final List<PatternStatistics.Trigger> buffer = new ArrayList<>();
  private Future<?> last = Future.succeededFuture();
  private final List<Long> timers = new ArrayList<>();
  private MessageConsumer<JsonObject> triggers;
  private MessageConsumer<JsonObject> requests;

  LearningJobs(LearningConfig cfg, PatternStatistics statistics, ResolutionLearner learner, ArticleDrafter drafter,
      PatternOptimiser optimiser, Supplier<KnowledgeService> knowledge) {
    this.cfg = cfg;
    this.statistics = statistics;
    this.learner = learner;
    this.drafter = drafter;
    this.optimiser = optimiser;
    this.knowledge = knowledge;
  }

  @Override
  public Future<?> start() {
    triggers = vertx.eventBus().consumer(Addresses.PATTERNS_TRIGGERED, this::onTriggers);
    requests = vertx.eventBus().consumer(Addresses.LEARNING_RUN, this::onRun);
    timers.add(vertx.setPeriodic(cfg.statsFlush().toMillis(), id -> serial(this::flush)));
    if (cfg.enabled()) {
      timers.add(vertx.setPeriodic(cfg.interval().toMillis(), id -> serial(() -> learn())));
      timers.add(vertx.setPeriodic(cfg.optimiseInterval().toMillis(), id -> serial(() -> optimise())));
    }
    return Future.all(triggers.completion(), requests.completion());
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    return Future.all(triggers.unregister(), requests.unregister()).compose(v -> last.recover(e -> null))
        .compose(v -> flush());
  }

  private void onTriggers(Message<JsonObject> m) {
    JsonObject body = m.body();
    String conversation = body.getString("conversation_id");
    JsonArray ids = body.getJsonArray("pattern_ids", new JsonArray());
    for (Object id : ids) {
      buffer.add(new PatternStatistics.Trigger(conversation, String.valueOf(id)));
    }
    if (buffer.size() >= cfg.batchSize()) {
      serial(this::flush);
    }
  }

  private void onRun(Message<JsonObject> m) {
    boolean optimise = m.body() == null || m.body().getBoolean("optimise", true);
    serial(() -> learn().compose(summary -> optimise
        ? optimise().map(changes -> summary.put("pattern_changes", changes)) : Future.succeededFuture(summary)))
        .onSuccess(m::reply)
        .onFailure(e -> m.fail(500, e.getMessage()));
  }

  /** Chains work after the previous run, so runs never overlap. */
  private <T> Future<T> serial(Supplier<Future<T>> work) {
    Future<T> next = last.recover(e -> Future.succeededFuture()).compose(v -> work.get());
    last = next.onFailure(e -> LOG.warn("learning job failed: {}", e.getMessage()));
    return next;
  }

  private Future<Integer> flush() {
    if (buffer.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<PatternStatistics.Trigger> batch = new ArrayList<>(buffer);
    buffer.clear();
    return statistics.recordTriggers(batch).recover(e -> {
      // Kept for the next flush: a trigger is counted exactly once, whenever the store takes it.
      buffer.addAll(0, batch);
      return Future.failedFuture(e);
    });
  }

  private Future<JsonObject> learn() {
    JsonObject summary = new JsonObject();
    return flush()
        .compose(n -> statistics.countResolutions().map(r -> summary.put("triggers_recorded", n)
            .put("resolutions_counted", r)))
        .compose(v -> learner.run(1000)).map(r -> summary.put("resolutions", r.toJson()))
        // Conversations the learner matched to a known pattern count for it in the same run.
        .compose(v -> statistics.countResolutions()).map(r -> summary.put("resolutions_counted",
            summary.getInteger("resolutions_counted") + r))
        .compose(v -> drafter.run()).map(d -> summary.put("article_drafts", new JsonArray(d)))
        .compose(v -> reindex()).map(summary);
  }

  private Future<JsonArray> optimise() {
    return flush().compose(n -> statistics.countResolutions()).compose(n -> optimiser.run())
        .compose(changes -> reindex().map(new JsonArray(new ArrayList<>(changes))));
  }

  private Future<Void> reindex() {
    KnowledgeService k = knowledge.get();
    return k == null ? Future.succeededFuture() : k.refreshChanged();
  }
}
