package io.supportpilot.proactive;

import io.supportpilot.agent.AgentConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the proactive e-mails the scans put in {@code email_outbox}. A row is claimed (attempts 0 -> 1) before it is
 * sent, so two instances never send the same row; one the mail server refuses is marked failed and retried by the
 * outbox retry of the support agent.
 */
final class ProactiveMailer {

  private static final Logger LOG = LoggerFactory.getLogger(ProactiveMailer.class);
  static final String[] KINDS = {"token_expiring", "token_expired"};

  private final MailClient mail;
  private final Pool pool;
  private final Clock clock;
  private final String from;

  ProactiveMailer(Vertx vertx, AgentConfig.Mail cfg, Pool pool, Clock clock) {
    MailConfig mc = new MailConfig().setHostname(cfg.host()).setPort(cfg.port()).setSsl(cfg.ssl())
        .setStarttls(StartTLSOptions.valueOf(cfg.starttls().toUpperCase())).setKeepAlive(false);
    if (cfg.user().isPresent()) {
      mc.setLogin(LoginOption.REQUIRED).setUsername(cfg.user().get()).setPassword(cfg.password().orElse(""));
    } else {
      mc.setLogin(LoginOption.DISABLED);
    }
    this.mail = MailClient.create(vertx, mc);
    this.pool = pool;
    this.clock = clock;
    this.from = cfg.from();
  }

  /** Claims and sends up to {@code limit} new proactive e-mails; completes with how many the server took. */
  Future<Integer> sendPending(int limit) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    return pool.preparedQuery("UPDATE email_outbox SET attempts = 1 WHERE id IN (SELECT id FROM email_outbox "
            + "WHERE status = 'pending' AND attempts = 0 AND kind = ANY($1) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) "
            + "AND attempts = 0 RETURNING id, recipient, subject, body")
        .execute(Tuple.of(KINDS, limit))
        .compose(rows -> {
          List<Future<Boolean>> sends = new ArrayList<>();
          rows.forEach(r -> {
            long id = r.getLong("id");
            MailMessage msg = new MailMessage().setFrom(from).setTo(r.getString("recipient"))
                .setSubject(r.getString("subject")).setText(r.getString("body"));
            sends.add(mail.sendMail(msg)
                .compose(x -> pool.preparedQuery("UPDATE email_outbox SET status = 'sent', sent_at = $2 WHERE id = $1")
                    .execute(Tuple.of(id, now)).map(true))
                .recover(e -> {
                  LOG.warn("proactive e-mail {} could not be sent: {}", id, e.getMessage());
                  return pool.preparedQuery("UPDATE email_outbox SET status = 'failed', last_error = $2 WHERE id = $1")
                      .execute(Tuple.of(id, String.valueOf(e.getMessage()))).map(false);
                }));
          });
          return Future.join(sends).transform(ar -> Future.succeededFuture(
              (int) sends.stream().filter(f -> Boolean.TRUE.equals(f.result())).count()));
        });
  }

  void close() {
    mail.close();
  }
}
