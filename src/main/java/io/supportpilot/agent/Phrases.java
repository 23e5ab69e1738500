package io.supportpilot.agent;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the agent says in Dutch and English, and what it recognises in customer messages: a request for a human
 * (which always works) and a yes or no to the follow-up question.
 */
final class Phrases {

  // A request for a person, in Dutch or English. Word boundaries keep "agent" out of "agenda", "human" out of
  // "humanity"; "agent" alone is enough because customers write "agent please" or "ik wil een agent".
  private static final Pattern HUMAN = Pattern.compile(
      "\\b(mens|mensen|medewerker|medewerkers|persoon|iemand van (jullie|support)|echte? (mens|persoon)|"
          + "menselijke|human|humans|real person|a person|someone (real|from support)|agent|live (chat|agent)|"
          + "support (staff|person|team member)|operator|representative|escalate|escalatie|escaleren)\\b",
      Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  private static final Pattern NOT_HUMAN_CONTEXT = Pattern.compile("\\b(user[- ]agent|agent[- ]id|mcp agent)\\b",
      Pattern.CASE_INSENSITIVE);

  private static final List<String> YES = List.of("ja", "yes", "jazeker", "opgelost", "solved", "resolved", "klopt",
      "werkt", "works", "it works", "het werkt", "y", "yep", "yeah", "fixed", "gelukt", "top", "thanks", "bedankt");
  private static final List<String> NO = List.of("nee", "no", "niet", "not", "nope", "helaas", "still", "nog steeds",
      "werkt niet", "doesn't", "doesnt", "does not", "didn't", "didnt", "n");

  private Phrases() {
  }

  /** True when the customer asks for a person. */
  static boolean wantsHuman(String text) {
    if (text == null) {
      return false;
    }
    String t = NOT_HUMAN_CONTEXT.matcher(text).replaceAll(" ");
    return HUMAN.matcher(t).find();
  }

  /** The answer to the follow-up question: TRUE yes, FALSE no, null unclear. A "no" wins over a "yes". */
  static Boolean followUpAnswer(String text) {
    String t = " " + Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N}' ]", " ").replaceAll("\\s+", " ").trim() + " ";
    for (String n : NO) {
      if (t.contains(" " + n + " ")) {
        return Boolean.FALSE;
      }
    }
    for (String y : YES) {
      if (t.contains(" " + y + " ")) {
        return Boolean.TRUE;
      }
    }
    return null;
  }

  static String followUpQuestion(String lang) {
    return nl(lang) ? "Is je probleem opgelost? Antwoord met ja of nee. Wil je liever een medewerker spreken, zeg het "
        + "dan gerust." : "Is your problem solved? Reply yes or no. If you would rather talk to a person, just say so.";
  }

  static String followUpResolved(String lang) {
    return nl(lang) ? "Fijn dat het is opgelost! We sluiten dit gesprek. Je kunt altijd een nieuw bericht sturen."
        : "Glad it is solved! We are closing this conversation. You can always send a new message.";
  }

  static String followUpReopened(String lang) {
    return nl(lang) ? "Vervelend dat het nog niet is opgelost. Een medewerker neemt je vraag over en komt bij je terug."
        : "Sorry it is not solved yet. A colleague is taking over your question and will get back to you.";
  }

  static String humanHandover(String lang) {
    return nl(lang) ? "Natuurlijk. Een medewerker neemt je vraag over en reageert zo snel mogelijk. Je hoeft niets "
        + "opnieuw uit te leggen: je berichten staan bij je vraag." : "Of course. A colleague will take over your "
        + "question and reply as soon as possible. You don't need to explain again: your messages are with the question.";
  }

  static String escalatedToHuman(String lang) {
    return nl(lang) ? "Bedankt voor je vraag. Deze vraag zetten we door naar een medewerker, die zo snel mogelijk "
        + "reageert." : "Thanks for your question. We are passing it to a colleague, who will reply as soon as possible.";
  }

  static String escalatedToDevops(String lang) {
    return nl(lang) ? "Bedankt voor je melding. Dit lijkt een probleem aan onze kant; ons technische team is "
        + "ingeschakeld en we laten je weten wanneer het is opgelost." : "Thanks for reporting this. It looks like a "
        + "problem on our side; our engineering team has been brought in and we will let you know when it is fixed.";
  }

  static String noKnowledge(String lang) {
    return nl(lang) ? "Bedankt voor je vraag. Onze automatische hulp is op dit moment niet beschikbaar, dus een "
        + "medewerker neemt je vraag over en reageert zo snel mogelijk." : "Thanks for your question. Our automatic "
        + "help is not available right now, so a colleague will take over your question and reply as soon as possible.";
  }

  static String suggestIntro(String lang) {
    return nl(lang) ? "Deze artikelen helpen je misschien verder:" : "These articles may help you:";
  }

  static String suggestOutro(String lang) {
    return nl(lang) ? "Helpt dit niet? Antwoord gewoon, of vraag om een medewerker."
        : "Not what you need? Just reply, or ask for a person.";
  }

  static boolean nl(String lang) {
    return !"en".equals(lang);
  }
}
