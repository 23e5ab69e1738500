package io.supportpilot.rules;

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
import java.time.Clock;
import java.time.OffsetDateTime;

/**
 * The {@code send_email} action: composes the template ({@code escalation_alert} for a conversation, or the generic
 * {@code rule_alert}), records it in {@code email_outbox} first and sends it through SMTP; a failed send stays in
 * the outbox as failed for a later retry.
 */
final class RuleMailer {

  private final Pool pool;
  private final Clock clock;
  private final RulesConfig cfg;
  private final MailClient mail;

  RuleMailer(Vertx vertx, Pool pool, Clock clock, RulesConfig cfg) {
    this.pool = pool;
    this.clock = clock;
    this.cfg = cfg;
    RulesConfig.Mail m = cfg.mail();
    MailConfig mc = new MailConfig().setHostname(m.host()).setPort(m.port()).setSsl(m.ssl())
        .setStarttls(StartTLSOptions.valueOf(m.starttls().toUpperCase())).setKeepAlive(false);
    if (m.user().isPresent()) {
      mc.setLogin(LoginOption.REQUIRED).setUsername(m.user().get()).setPassword(m.password().orElse(""));
    } else {
      mc.setLogin(LoginOption.DISABLED);
    }
    this.mail = MailClient.create(vertx, mc);
  }

  void close() {
    mail.close();
  }

  /**
   * Sends the firing's e-mail; {@code conversationId}/{@code conversation} are the conversation the run concerns
   * (either may be null). The result is an action result (done, skipped or failed).
   */
  Future<JsonObject> send(Firing f, JsonObject config, String conversationId, JsonObject conversation) {
    String to = config.getString("to", cfg.alertEmail());
    if (to == null || to.isEmpty()) {
      return Future.succeededFuture(result("skipped", "no recipient: set rules.alert-email or the action's \"to\""));
    }
    String template = config.getString("template", "rule_alert");
    OffsetDateTime now = RuleStore.utc(clock.instant());
    String subject;
    StringBuilder body = new StringBuilder();
    if ("escalation_alert".equals(template) && conversation != null) {
      subject = "[supportpilot] Escalated: " + conversation.getString("subject", "(no subject)");
      body.append("A conversation waited for support and was escalated by the rule \"").append(f.rule.name())
          .append("\".\n\nConversation: ").append(conversation.getString("id"))
          .append("\nCustomer: ").append(conversation.getString("user_id"))
          .append("\nSubject: ").append(conversation.getString("subject"))
          .append("\nPriority: ").append(conversation.getString("priority"))
          .append("\nLast update before escalation: ").append(conversation.getString("updated_at"))
          .append("\n\nOpen it: ").append(cfg.publicBaseUrl()).append("/admin/#/conversations/")
          .append(conversation.getString("id")).append('\n');
    } else {
      subject = "[supportpilot] Rule fired: " + f.rule.name();
      body.append("The automation rule \"").append(f.rule.name()).append("\" fired on a ")
          .append(f.rule.triggerType().wire()).append(" (").append(f.triggerKey).append(").\n\n")
          .append(f.object.encodePrettily()).append('\n');
      if (conversationId != null) {
        body.append("\nConversation: ").append(cfg.publicBaseUrl()).append("/admin/#/conversations/")
            .append(conversationId).append('\n');
      }
    }
    String user = f.object.getString("user_id", "-");
    return pool.preparedQuery("INSERT INTO email_outbox (kind, user_id, conversation_id, recipient, subject, body, "
            + "day, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .execute(Tuple.from(new Object[] {template, user, conversationId, to, subject, body.toString(),
            now.toLocalDate(), now}))
        .compose(rows -> {
          long id = rows.iterator().next().getLong(0);
          MailMessage msg = new MailMessage().setFrom(cfg.mail().from()).setTo(to).setSubject(subject)
              .setText(body.toString());
          return mail.sendMail(msg)
              .compose(r -> pool.preparedQuery("UPDATE email_outbox SET status = 'sent', attempts = attempts + 1, "
                  + "sent_at = $2 WHERE id = $1").execute(Tuple.of(id, now))
                  .map(x -> result("done", "sent").put("template", template).put("outbox_id", id)))
              .recover(e -> pool.preparedQuery("UPDATE email_outbox SET status = 'failed', attempts = attempts + 1, "
                  + "last_error = $2 WHERE id = $1").execute(Tuple.of(id, String.valueOf(e.getMessage())))
                  .map(x -> result("failed", "the mail server did not take it (kept in the outbox for a retry)")
                      .put("template", template).put("outbox_id", id)));
        });
  }

  private static JsonObject result(String status, String detail) {
    return new JsonObject().put("status", status).put("detail", detail);
  }
}
