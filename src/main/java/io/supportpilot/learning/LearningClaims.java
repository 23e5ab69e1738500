package io.supportpilot.learning;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Durable claims on conversations for the learning jobs ({@code learning_processed}), so that several engine
 * instances on one database analyse each conversation once: a claim is one {@code INSERT ... ON CONFLICT} that only
 * succeeds for a conversation nobody has processed or holds an unexpired claim on. The job then records its
 * outcome on the same row; a claim whose lease ran out (the instance died mid-way) can be taken again.
 */
final class LearningClaims {

  /** SQL: the conversation has no outcome and no live claim for the job ($job, $now as parameters). */
  static String unclaimed(String conversationColumn, String jobParam, String nowParam) {
    return "NOT EXISTS (SELECT 1 FROM learning_processed p WHERE p.conversation_id = " + conversationColumn
        + " AND p.job = " + jobParam + " AND (p.outcome <> 'claimed' OR p.claimed_until >= " + nowParam + "))";
  }

  private final Pool pool;
  private final Clock clock;
  private final Duration lease;

  LearningClaims(Pool pool, Clock clock, Duration lease) {
    this.pool = pool;
    this.clock = clock;
    this.lease = lease;
  }

  /** Claims the conversations for the job; returns those this instance now holds (the others are taken). */
  Future<List<String>> claim(String job, List<String> conversations) {
    OffsetDateTime now = now();
    return pool.preparedQuery("INSERT INTO learning_processed (conversation_id, job, outcome, processed_at, "
            + "claimed_until) SELECT unnest($1::text[]), $2, 'claimed', $3, $4 ON CONFLICT (conversation_id, job) DO "
            + "UPDATE SET claimed_until = EXCLUDED.claimed_until, processed_at = EXCLUDED.processed_at WHERE "
            + "learning_processed.outcome = 'claimed' AND learning_processed.claimed_until < $3 "
            + "RETURNING conversation_id")
        .execute(Tuple.of(conversations.toArray(new String[0]), job, now, now.plus(lease)))
        .map(rs -> {
          List<String> out = new ArrayList<>();
          rs.forEach(r -> out.add(r.getString(0)));
          return out;
        });
  }

  /** Claims every one of the conversations or none: a partial claim is given back. */
  Future<Boolean> claimAll(String job, List<String> conversations) {
    return claim(job, conversations).compose(got -> got.size() == conversations.size() ? Future.succeededFuture(true)
        : release(job, got).map(false));
  }

  /** Records the job's outcome for conversations this instance claimed (the claim becomes final). */
  Future<Void> finish(String job, List<String> conversations, String outcome) {
    return pool.preparedQuery("UPDATE learning_processed SET outcome = $3, processed_at = $4, claimed_until = NULL "
            + "WHERE conversation_id = ANY($1::text[]) AND job = $2")
        .execute(Tuple.of(conversations.toArray(new String[0]), job, outcome, now())).mapEmpty();
  }

  /** Gives claims back, so a later run (of any instance) can take them. */
  Future<Void> release(String job, List<String> conversations) {
    if (conversations.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery("DELETE FROM learning_processed WHERE conversation_id = ANY($1::text[]) AND job = $2 "
            + "AND outcome = 'claimed'")
        .execute(Tuple.of(conversations.toArray(new String[0]), job)).mapEmpty();
  }

  OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
