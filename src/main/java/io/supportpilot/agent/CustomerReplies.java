package io.supportpilot.agent;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the agent recognises in a customer's message, in Dutch and English: a request for a person (which always
 * works) and a yes or no to the follow-up question. {@link AgentTexts} holds what the agent says.
 */
final class CustomerReplies {

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

  private CustomerReplies() {
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
}
