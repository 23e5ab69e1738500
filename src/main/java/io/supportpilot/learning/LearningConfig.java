package io.supportpilot.learning;

import io.supportpilot.config.Config;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The learning loop's settings: whether it runs, how often the resolution and draft jobs and the optimiser run,
 * the statistics batch, the draft window and grouping similarity, the optimiser's cooldown, and the optional
 * auto-approval bar (unset = every suggestion waits for an admin), whether Claude writes analyses and drafts when
 * the gateway can call it ({@code learning.claude}), and how long a claim on a conversation lasts before another
 * instance may take it ({@code learning.claim-lease}).
 */
record LearningConfig(boolean enabled, Duration interval, Duration optimiseInterval, Duration statsFlush,
    int batchSize, Duration draftWindow, double draftSimilarity, Duration changeCooldown, Double autoApproveAbove,
    boolean useClaude, Duration claimLease) {

  static LearningConfig from(Config c) {
    return new LearningConfig(
        !c.has("learning.enabled") || c.bool("learning.enabled"),
        c.has("learning.interval") ? c.duration("learning.interval", Duration.ofSeconds(1)) : Duration.ofMinutes(5),
        c.has("learning.optimise-interval") ? c.duration("learning.optimise-interval", Duration.ofSeconds(1))
            : Duration.ofHours(24),
        c.has("learning.stats-flush") ? c.duration("learning.stats-flush", Duration.ofMillis(10))
            : Duration.ofSeconds(1),
        c.has("learning.stats-batch") ? c.intIn("learning.stats-batch", 1, 100_000) : 500,
        c.has("learning.draft-window") ? c.duration("learning.draft-window", Duration.ofHours(1)) : Duration.ofDays(30),
        c.has("learning.draft-similarity") ? c.doubleIn("learning.draft-similarity", 0.05, 1) : 0.3,
        c.has("learning.change-cooldown") ? c.duration("learning.change-cooldown", Duration.ZERO) : Duration.ofDays(7),
        c.has("learning.auto-approve-above")
            && !Set.of("off", "false").contains(c.string("learning.auto-approve-above").toLowerCase(Locale.ROOT))
            ? c.doubleIn("learning.auto-approve-above", 0.5, 1) : null,
        !c.has("learning.claude") || c.bool("learning.claude"),
        c.has("learning.claim-lease") ? c.duration("learning.claim-lease", Duration.ofSeconds(1))
            : Duration.ofMinutes(10));
  }
}
