package io.supportpilot.spike;

import io.supportpilot.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people about a spike that has just opened: an admin notification (row and bus message), a Slack post, and,
 * when no active pattern knows the error type, a DevOps task (or the type's task still open); then links the
 * spike to its pattern, task and notification. Failures are logged and never undo the spike. Runs on the
 * detector's event loop.
 */
final class SpikeAnnouncer {

  private static final Logger LOG = LoggerFactory.getLogger(SpikeAnnouncer.class);

  private final SpikeStore store;
  private final SlackNotifier slack;
  private final EventBus bus;

  SpikeAnnouncer(SpikeStore store, SlackNotifier slack, EventBus bus) {
    this.store = store;
    this.slack = slack;
    this.bus = bus;
  }

  /** Announces spike {@code s}, opened with {@code hour} errors in the last hour and {@code day} in 24 h. */
  void announce(Spike s, int hour, int day) {
    double avg = day / 24.0;
    double ratio = SpikeRule.ratioOf(hour, day);
    String title = String.format(Locale.ROOT, "Error spike: %s (%d in the last hour, normally %.1f/h, %.1fx)",
        s.errorType, hour, avg, ratio);
    JsonObject details = new JsonObject().put("spike_id", s.id).put("error_type", s.errorType)
        .put("count", hour).put("count_24h", day).put("hourly_average", avg).put("ratio", ratio)
        .put("started_at", Instant.ofEpochMilli(s.startedAt).toString()).put("sample_errors", s.samples.copy());
    Future<Long> notification = notify(s, title, details);
    slack.post(":rotating_light: " + title);
    Future<Optional<String>> pattern = store.patternFor(s.errorType);
    Future<Optional<String>> task = pattern.compose(p -> p.isPresent()
        ? Future.succeededFuture(Optional.<String>empty())
        : task(s, new JsonObject().put("type", "error_spike").put("error_type", s.errorType).put("count", hour)
            .put("hourly_average", avg).put("ratio", ratio).put("spike_id", s.id)
            .put("sample_errors", s.samples.copy())));
    Future.all(notification, task).onComplete(ar -> link(s, pattern, task, notification));
  }

  /** The admin notification: its id, or null when it could not be stored. */
  private Future<Long> notify(Spike s, String title, JsonObject details) {
    return store.insertNotification("error_spike", title, details)
        .onSuccess(id -> bus.publish(Addresses.ADMIN_NOTIFICATIONS, new JsonObject().put("id", id)
            .put("kind", "error_spike").put("title", title).put("details", details.copy())))
        .recover(e -> {
          LOG.warn("could not store the admin notification of spike {}: {}", s.id, e.getMessage());
          return Future.succeededFuture(null);
        });
  }

  /** A new DevOps task for the type (published on the bus), or the type's task that is still open. */
  private Future<Optional<String>> task(Spike s, JsonObject taskDetails) {
    String taskId = "spike-" + s.id;
    return store.insertTask(taskId, s.errorType, taskDetails).compose(created -> {
      if (created.isPresent()) {
        bus.publish(Addresses.DEVOPS_TASKS, new JsonObject().put("id", taskId)
            .put("type", "error_spike").put("error_type", s.errorType).put("details", taskDetails));
        return Future.succeededFuture(created);
      }
      return store.openTask(s.errorType);
    });
  }

  private void link(Spike s, Future<Optional<String>> pattern, Future<Optional<String>> task,
      Future<Long> notification) {
    s.patternId = pattern.succeeded() ? pattern.result().orElse(null) : null;
    s.taskId = task.succeeded() ? task.result().orElse(null) : null;
    if (task.failed()) {
      LOG.warn("could not look up the pattern or create the task of spike {}: {}", s.id, task.cause().getMessage());
    }
    store.link(s.id, s.patternId, s.taskId, notification.result())
        .onFailure(e -> LOG.warn("could not link spike {}: {}", s.id, e.getMessage()));
  }
}
