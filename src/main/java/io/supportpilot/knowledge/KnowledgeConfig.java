package io.supportpilot.knowledge;

import io.supportpilot.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** Typed configuration of the knowledge and triage capability (sections {@code knowledge}, {@code voyage}, {@code triage}). */
public record KnowledgeConfig(
    boolean seedEnabled,
    Path seedFile,
    Path synonymsFile,
    String embeddingProvider,
    int embeddingThreads,
    Duration conversationRefresh,
    int conversationLimit,
    String voyageBaseUrl,
    String voyageModel,
    Duration voyageTimeout,
    double autoRespondThreshold,
    double suggestThreshold) {

  /** Reads and validates the keys; a bad value stops start-up naming the key and its variable. */
  public static KnowledgeConfig from(Config c) {
    String base = c.string("voyage.base-url").replaceAll("/+$", "");
    if (!base.startsWith("http://") && !base.startsWith("https://")) {
      throw c.invalid("voyage.base-url", "must start with http:// or https://");
    }
    double auto = c.doubleIn("triage.auto-respond-threshold", 0, 1);
    double suggest = c.doubleIn("triage.suggest-threshold", 0, 1);
    if (suggest > auto) {
      throw c.invalid("triage.suggest-threshold", "must not be above triage.auto-respond-threshold");
    }
    return new KnowledgeConfig(
        c.bool("knowledge.seed-enabled"),
        Path.of(c.string("knowledge.seed-file")),
        Path.of(c.string("knowledge.synonyms-file")),
        c.oneOf("knowledge.embedding-provider", "local", "voyage"),
        c.intIn("knowledge.embedding-threads", 1, 64),
        c.duration("knowledge.conversation-refresh", Duration.ofSeconds(1)),
        c.intIn("knowledge.conversation-limit", 0, 1_000_000),
        base,
        c.string("voyage.model"),
        c.duration("voyage.timeout", Duration.ofMillis(100)),
        auto,
        suggest);
  }
}
