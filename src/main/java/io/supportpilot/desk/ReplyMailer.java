package io.supportpilot.desk;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * E-mails a human reply through {@code email_outbox} when the customer has not read the conversation by the reply's
 * due time; a reply read in time, or a customer without an e-mail address, is marked and left alone. Several
 * instances never take the same reply (SKIP LOCKED).
 */
final class ReplyMailer extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ReplyMailer.class);
  static final int BATCH = 100;

  private final Pool pool;
  private final Clock clock;
  private final Duration interval;
  private long timer;

  ReplyMailer(Pool pool, Clock clock, Duration interval) {
    this.pool = pool;
    this.clock = clock;
    this.interval = interval;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(interval.toMillis(), id -> run()
        .onFailure(e -> LOG.warn("reply mail scan failed: {}", e.toString())));
    vertx.eventBus().<Object>consumer(RUN_NOW, m -> run().onComplete(ar -> m.reply(ar.succeeded() ? ar.result()
        : -1)));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Event-bus address that runs one scan at once (tests); replies with the number of replies decided. */
  static final String RUN_NOW = "supportpilot.desk.reply-mail.run";

  /** Decides every due reply; the result is how many were decided. */
  Future<Integer> run() {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    return pool.preparedQuery("WITH due AS (SELECT d.message_id, d.conversation_id, d.user_id, c.subject, "
            + "c.customer_read_at, m.created_at AS sent_at, m.content, u.email FROM desk_reply_mail d "
            + "JOIN support_conversations c ON c.id = d.conversation_id JOIN support_messages m ON m.id = d.message_id "
            + "LEFT JOIN users u ON u.id = d.user_id WHERE d.status = 'pending' AND d.due_at <= $1 ORDER BY d.due_at "
            + "LIMIT $2 FOR UPDATE OF d SKIP LOCKED), "
            + "mailed AS (INSERT INTO email_outbox (kind, user_id, conversation_id, recipient, subject, body, day, "
            + "created_at) SELECT 'desk_reply', user_id, conversation_id, email, 'Re: ' || subject, content, "
            + "($1::timestamptz AT TIME ZONE 'UTC')::date, $1 FROM due WHERE (customer_read_at IS NULL OR "
            + "customer_read_at < sent_at) AND email IS NOT NULL RETURNING id) "
            + "UPDATE desk_reply_mail d SET decided_at = $1, status = CASE WHEN due.customer_read_at >= due.sent_at "
            + "THEN 'read' WHEN due.email IS NULL THEN 'no_email' ELSE 'queued' END FROM due "
            + "WHERE d.message_id = due.message_id RETURNING d.status")
        .execute(Tuple.of(now, BATCH))
        .map(rows -> rows.size());
  }
}
