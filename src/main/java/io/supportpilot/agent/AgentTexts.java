package io.supportpilot.agent;

/** What the agent says to customers, in Dutch and English; {@link CustomerReplies} reads what they say back. */
final class AgentTexts {

  private AgentTexts() {
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
