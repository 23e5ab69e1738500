package io.supportpilot.agent;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends re-authentication e-mails with a fresh link through SMTP (vertx-mail-client), recorded in
 * {@code email_outbox} first: at most one per connection per UTC day, whatever the agent asks.
 */
final class ReauthMailer {

  private static final Logger LOG = LoggerFactory.getLogger(ReauthMailer.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final MailClient mail;
  private final Pool pool;
  private final Clock clock;
  private final String from;
  private final String publicBaseUrl;

  ReauthMailer(Vertx vertx, AgentConfig.Mail cfg, String publicBaseUrl, Pool pool, Clock clock) {
    MailConfig mc = new MailConfig().setHostname(cfg.host()).setPort(cfg.port()).setSsl(cfg.ssl())
        .setStarttls(StartTLSOptions.valueOf(cfg.starttls().toUpperCase()))
        .setKeepAlive(false);
    if (cfg.user().isPresent()) {
      mc.setLogin(LoginOption.REQUIRED).setUsername(cfg.user().get()).setPassword(cfg.password().orElse(""));
    } else {
      mc.setLogin(LoginOption.DISABLED);
    }
    this.mail = MailClient.create(vertx, mc);
    this.pool = pool;
    this.clock = clock;
    this.from = cfg.from();
    this.publicBaseUrl = publicBaseUrl;
  }

  /**
   * Records and sends a re-auth mail for the connection. The result says {@code sent}, {@code already_sent_today}
   * or {@code failed} (with the outbox row kept for a retry).
   */
  Future<JsonObject> send(String userId, String email, String connectionId, String conversationId, String language) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    LocalDate day = now.toLocalDate();
    byte[] token = new byte[24];
    RANDOM.nextBytes(token);
    String link = publicBaseUrl + "/connections/" + URLEncoder.encode(connectionId, StandardCharsets.UTF_8)
        + "/reauth?token=" + HexFormat.of().formatHex(token);
    boolean nl = "nl".equals(language);
    String subject = nl ? "Verbind je Exact Online-koppeling opnieuw" : "Reconnect your Exact Online connection";
    String body = nl
        ? "Hallo,\n\nJe koppeling met Exact Online (" + connectionId + ") moet opnieuw worden geautoriseerd. "
          + "Klik op deze link om opnieuw in te loggen:\n\n" + link + "\n\nDe link is persoonlijk; deel hem niet.\n"
        : "Hello,\n\nYour Exact Online connection (" + connectionId + ") needs to be authorised again. "
          + "Follow this link to sign in again:\n\n" + link + "\n\nThe link is personal; do not share it.\n";
    return pool.preparedQuery("INSERT INTO email_outbox (kind, user_id, connection_id, conversation_id, recipient, "
        + "subject, body, link, day, created_at) VALUES ('reauth', $1, $2, $3, $4, $5, $6, $7, $8, $9) "
        + "ON CONFLICT (connection_id, kind, day) WHERE connection_id IS NOT NULL DO NOTHING RETURNING id")
        .execute(Tuple.from(new Object[] {userId, connectionId, conversationId, email, subject, body, link, day, now}))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(new JsonObject().put("status", "already_sent_today")
                .put("connection_id", connectionId)
                .put("detail", "a re-auth e-mail for this connection was already sent today; not sent again"));
          }
          long id = rows.iterator().next().getLong(0);
          MailMessage msg = new MailMessage().setFrom(from).setTo(email).setSubject(subject).setText(body);
          return mail.sendMail(msg)
              .compose(r -> pool.preparedQuery("UPDATE email_outbox SET status = 'sent', attempts = attempts + 1, "
                  + "sent_at = $2 WHERE id = $1").execute(Tuple.of(id, now))
                  .map(x -> new JsonObject().put("status", "sent").put("connection_id", connectionId)
                      .put("recipient", mask(email))))
              .recover(e -> {
                LOG.warn("re-auth e-mail {} could not be sent: {}", id, e.getMessage());
                return pool.preparedQuery("UPDATE email_outbox SET status = 'failed', attempts = attempts + 1, "
                    + "last_error = $2 WHERE id = $1").execute(Tuple.of(id, String.valueOf(e.getMessage())))
                    .map(x -> new JsonObject().put("status", "failed").put("connection_id", connectionId)
                        .put("detail", "the mail server did not accept the e-mail; it stays in the outbox"));
              });
        });
  }

  /** Sends pending or failed outbox rows again (at most 5 attempts each); returns how many went out. */
  Future<Integer> retryFailed(int limit) {
    OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    return pool.preparedQuery("UPDATE email_outbox SET attempts = attempts + 1 WHERE id IN (SELECT id FROM email_outbox "
        + "WHERE status IN ('pending', 'failed') AND attempts < 5 AND created_at <= $1 ORDER BY id LIMIT $2 "
        + "FOR UPDATE SKIP LOCKED) RETURNING id, recipient, subject, body")
        .execute(Tuple.of(now.minusMinutes(1), limit))
        .compose(rows -> {
          List<Future<Boolean>> sends = new ArrayList<>();
          rows.forEach(r -> {
            long id = r.getLong("id");
            MailMessage msg = new MailMessage().setFrom(from).setTo(r.getString("recipient"))
                .setSubject(r.getString("subject")).setText(r.getString("body"));
            sends.add(mail.sendMail(msg)
                .compose(x -> pool.preparedQuery("UPDATE email_outbox SET status = 'sent', sent_at = $2, "
                    + "last_error = NULL WHERE id = $1").execute(Tuple.of(id, now)).map(true))
                .recover(e -> pool.preparedQuery("UPDATE email_outbox SET status = 'failed', last_error = $2 "
                    + "WHERE id = $1").execute(Tuple.of(id, String.valueOf(e.getMessage()))).map(false)));
          });
          return Future.join(sends).transform(ar -> Future.succeededFuture(
              (int) sends.stream().filter(f -> Boolean.TRUE.equals(f.result())).count()));
        });
  }

  void close() {
    mail.close();
  }

  /** j***@example.com: enough for the model to say where the mail went, without handing out the address. */
  static String mask(String email) {
    int at = email.indexOf('@');
    return at <= 1 ? "***" + email.substring(Math.max(at, 0)) : email.charAt(0) + "***" + email.substring(at);
  }
}
