package io.supportpilot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.supportpilot.testing.Http;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;

/** A small bilingual knowledge base written for the tests, loaded through the admin API. */
final class KnowledgeFixtures {

  private KnowledgeFixtures() {
  }

  static JsonObject article(String slug, String category, String titleNl, String titleEn, String contentNl,
      String contentEn, String... tags) {
    return new JsonObject().put("slug", slug).put("category", category).put("title_nl", titleNl)
        .put("title_en", titleEn).put("content_nl", contentNl).put("content_en", contentEn)
        .put("tags", new JsonArray(List.of(tags)));
  }

  static List<JsonObject> articles() {
    return List.of(
        article("exact-authorisation-lapsed", "connections",
            "Exact Online-koppeling verlopen: opnieuw autoriseren",
            "Exact Online connection expired: authorise again",
            "Als de autorisatie van je koppeling met Exact Online is verlopen, kan de assistent geen gegevens meer"
                + " ophalen. Ga in het portaal naar Koppelingen en klik op Opnieuw autoriseren. Meld je aan bij Exact"
                + " en geef toestemming.",
            "When the authorisation of your Exact Online connection has expired, the assistant can no longer fetch"
                + " data. Go to Connections in the portal and click Authorise again. Sign in at Exact and give"
                + " consent.",
            "oauth", "token"),
        article("exact-request-limits", "limits", "Limieten van Exact Online", "Exact Online request limits",
            "Exact Online staat per administratie 60 verzoeken per minuut toe. Daarboven antwoordt Exact met 429 en"
                + " wacht de server tot er weer ruimte is.",
            "Exact Online allows 60 requests per minute per administration. Above that Exact answers 429 and the"
                + " server waits until there is room again.",
            "429", "rate limit"),
        article("download-invoices", "billing", "Facturen downloaden", "Downloading invoices",
            "Je facturen staan in het portaal onder Facturatie. Klik op een factuur om de pdf te downloaden.",
            "Your invoices are in the portal under Billing. Click an invoice to download the pdf.",
            "factuur", "invoice"),
        article("claude-desktop-install", "clients", "Installatie in Claude Desktop", "Installing in Claude Desktop",
            "Open in Claude Desktop de instellingen, kies Ontwikkelaar en bewerk het configuratiebestand. Voeg de"
                + " server toe onder mcpServers en start Claude opnieuw.",
            "In Claude Desktop open the settings, choose Developer and edit the configuration file. Add the server"
                + " under mcpServers and restart Claude.",
            "claude", "mcpServers"),
        article("api-key-new", "account", "Nieuwe API-sleutel maken", "Creating a new API key",
            "Een API-sleutel maak je in het portaal onder API-sleutels. De sleutel wordt maar één keer getoond.",
            "You create an API key in the portal under API keys. The key is shown only once.",
            "api key"),
        article("cancel-subscription-howto", "billing", "Abonnement opzeggen", "Cancelling a subscription",
            "Je zegt je abonnement op in het portaal onder Abonnement. Het loopt door tot het einde van de periode.",
            "You cancel your subscription in the portal under Subscription. It runs until the end of the period.",
            "cancel"));
  }

  static JsonObject pattern(String id, String slug, double minConfidence, String regex, List<String> keywords,
      List<String> codes) {
    return new JsonObject().put("id", id).put("name", "pattern " + id).put("article_slug", slug)
        .put("min_confidence", minConfidence).put("regex", regex).put("keywords", new JsonArray(keywords))
        .put("error_codes", new JsonArray(codes));
  }

  static void load(int port) {
    for (JsonObject a : articles()) {
      HttpResponse<String> r = Http.post(port, "/api/admin/articles", a.encode(), Http.admin());
      assertEquals(201, r.statusCode(), r.body());
    }
  }

  static JsonObject triage(int port, JsonObject question) {
    HttpResponse<String> r = Http.post(port, "/api/triage", question.encode(), Http.admin());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  static String topSlug(JsonObject decision) {
    JsonArray a = decision.getJsonArray("articles");
    return a.isEmpty() ? null : a.getJsonObject(0).getString("slug");
  }
}
