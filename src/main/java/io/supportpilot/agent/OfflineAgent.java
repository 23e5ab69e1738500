package io.supportpilot.agent;

import io.supportpilot.triage.TriageDecision;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Answers without Claude: the matched article in the customer's language plus their own account facts
 * (connections, token expiry, recent errors). Its messages say so and carry {@code responder: offline_agent}; it
 * never pretends to be Claude.
 */
final class OfflineAgent {

  static final String RESPONDER = "offline_agent";
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final int MAX_ARTICLE = 1500;

  private final SupportTools tools;

  OfflineAgent(SupportTools tools) {
    this.tools = tools;
  }

  /** The article part of an answer (shared by every ticket of one fingerprint), or null without an article. */
  static String articlePart(TriageDecision d, String lang, SupportTools tools) {
    if (d == null || d.articles() == null || d.articles().isEmpty()) {
      return null;
    }
    TriageDecision.ArticleMatch a = d.articles().get(0);
    String content = a.content() == null ? "" : a.content().strip();
    if (content.length() > MAX_ARTICLE) {
      int cut = content.lastIndexOf("\n", MAX_ARTICLE);
      content = content.substring(0, cut > MAX_ARTICLE / 2 ? cut : MAX_ARTICLE) + "\n...";
    }
    boolean nl = AgentTexts.nl(lang);
    StringBuilder sb = new StringBuilder();
    sb.append(nl ? "Dit helpt bij jouw vraag: " : "This should help with your question: ").append(a.title())
        .append("\n\n").append(content).append("\n\n")
        .append(nl ? "Het volledige artikel: " : "The full article: ").append(tools.articleUrl(a.slug()));
    return sb.toString();
  }

  /** The customer's own account facts as a few lines in their language (empty when there is nothing to say). */
  Future<String> accountFacts(SupportTools.Scope scope) {
    return Future.all(tools.customerStatus(scope), tools.customerErrors(new JsonObject().put("limit", 3), scope))
        .map(all -> facts(all.resultAt(0), all.resultAt(1), scope.language()));
  }

  static String facts(JsonObject status, JsonObject errors, String lang) {
    boolean nl = AgentTexts.nl(lang);
    StringBuilder sb = new StringBuilder();
    JsonArray conns = status.getJsonArray("connections", new JsonArray());
    for (int i = 0; i < conns.size(); i++) {
      JsonObject c = conns.getJsonObject(i);
      String st = c.getString("status");
      String exp = c.getString("token_expires_at");
      sb.append("- ").append(nl ? "Koppeling " : "Connection ").append(c.getString("connection_id"))
          .append(c.getString("division") == null ? "" : " (" + (nl ? "administratie " : "division ")
              + c.getString("division") + ")")
          .append(": ").append(statusWord(st, nl));
      if (exp != null) {
        Double days = c.getDouble("days_until_token_expiry");
        String date = DATE.format(Instant.parse(exp));
        if (days != null && days < 0) {
          sb.append(nl ? ", de autorisatie is verlopen op " : ", the authorisation expired on ").append(date);
        } else {
          sb.append(nl ? ", de autorisatie verloopt op " : ", the authorisation expires on ").append(date);
          if (days != null && days <= 7) {
            sb.append(nl ? " (binnen een week)" : " (within a week)");
          }
        }
      }
      sb.append('\n');
      if ("expired".equals(st) || "revoked".equals(st) || "expiring".equals(st)
          || (c.getDouble("days_until_token_expiry") != null && c.getDouble("days_until_token_expiry") <= 7)) {
        sb.append(nl ? "  Stap: log opnieuw in bij Exact Online via het portaal (Koppelingen > Opnieuw verbinden)."
            : "  Step: sign in to Exact Online again in the portal (Connections > Reconnect).").append('\n');
      }
    }
    JsonArray errs = errors.getJsonArray("errors", new JsonArray());
    if (!errs.isEmpty()) {
      JsonObject e = errs.getJsonObject(0);
      sb.append("- ").append(nl ? "Laatste fout (" : "Latest error (").append(DATE.format(Instant.parse(
          e.getString("occurred_at")))).append("): ").append(e.getString("error_type"))
          .append(e.getString("error_code") == null ? "" : " " + e.getString("error_code"))
          .append(e.getString("tool") == null ? "" : (nl ? " bij " : " in ") + e.getString("tool")).append('\n');
    }
    if (sb.length() == 0) {
      return "";
    }
    return (nl ? "Wat we bij jouw account zien:\n" : "What we see on your account:\n") + sb;
  }

  private static String statusWord(String status, boolean nl) {
    if (status == null) {
      return "?";
    }
    switch (status) {
      case "active": return nl ? "actief" : "active";
      case "expiring": return nl ? "verloopt binnenkort" : "expiring soon";
      case "expired": return nl ? "verlopen" : "expired";
      case "revoked": return nl ? "ingetrokken" : "revoked";
      default: return nl ? "fout" : "error";
    }
  }

  /** Composes the full offline answer: article part, account facts and an honest footer. */
  static String compose(String articlePart, String facts, String lang) {
    boolean nl = AgentTexts.nl(lang);
    StringBuilder sb = new StringBuilder(nl ? "Hallo,\n\n" : "Hello,\n\n");
    sb.append(articlePart).append("\n\n");
    if (facts != null && !facts.isBlank()) {
      sb.append(facts).append('\n');
    }
    sb.append(AgentTexts.suggestOutro(lang)).append("\n\n")
        .append(nl ? "(Dit antwoord is automatisch samengesteld uit onze kennisbank en je accountgegevens.)"
            : "(This answer was put together automatically from our knowledge base and your account details.)");
    return sb.toString();
  }
}
