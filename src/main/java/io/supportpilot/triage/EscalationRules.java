package io.supportpilot.triage;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Questions that need a person whatever the similarity says: refund and compensation demands, legal threats,
 * anger, acting on another account, attempts to override the assistant's instructions, and bug reports (stack
 * traces, regressions) that go to DevOps. Each rule has a Dutch and an English form; both are checked because
 * customers mix languages, and the match names the language it fired in.
 */
public final class EscalationRules {

  /** A rule that fired: its name, the escalation target and the language of the form that matched. */
  public record Match(String rule, String escalation, String language, String excerpt) {
  }

  private record Rule(String name, String escalation, Pattern nl, Pattern en) {
  }

  private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

  private static final List<Rule> RULES = List.of(
      new Rule("refund", "human",
          p("\\b(geld\\s+terug|terugbetal\\w*|terug\\s*(te\\s+)?betalen|terugstort\\w*|terug\\s*(te\\s+)?storten"
              + "|restitutie|creditnota|crediteren|compensatie|schadevergoeding|vergoed(en|ing)?\\b.*\\b(schade|kosten|naheffing|boete|uren)"
              + "|(schade|kosten|naheffing|boete|uren)\\b.*\\bvergoed\\w*|storner\\w*|chargeback|verschil\\s+terug|bedrag\\s+terug)"),
          p("\\b(refund\\w*|money\\s+back|reimburs\\w*|chargeback|charge\\s*back|compensat\\w*|credit\\s+note"
              + "|pay\\s+(us|me)\\s+back|dispute\\s+the\\s+(charge|payment))")),
      new Rule("legal_threat", "human",
          p("\\b(advocaat|advocaten|juridisch\\w*|rechtszaak|rechter|rechtbank|aansprakelijk\\w*|ingebrekestelling"
              + "|sommatie|dagvaard\\w*|autoriteit\\s+persoonsgegevens|aangifte\\s+doen|juridische\\s+stappen)"),
          p("\\b(lawyer|attorney|solicitor|legal\\s+(action|steps|team|department|counsel)|lawsuit|sue\\b|suing"
              + "|court|liable|liability|small\\s+claims|data\\s+protection\\s+authority|notice\\s+of\\s+default)")),
      new Rule("anger", "human",
          p("\\b(belachelijk|schandalig|onacceptabel|waardeloos|klaar\\s+mee|teleurstell\\w*|boos|woedend|kwaad"
              + "|werkt\\s+(gewoon\\s+)?nooit|niemand\\s+reageert|bagger|prutswerk|oplichter\\w*|wanprestatie)"),
          p("\\b(unacceptable|ridiculous|outrageous|furious|angry|useless|worst|fed\\s+up|never\\s+works"
              + "|nobody\\s+(answers|responds|replies)|scam|disgrace\\w*|pathetic|sick\\s+of)|!!!")),
      new Rule("other_account", "human",
          p("\\b(account|gegevens|administratie|abonnement|wachtwoord)\\s+van\\s+(mijn\\s+)?(collega|iemand|een\\s+ander\\w*|klant|[\\w.+-]+@[\\w-]+\\.[\\w.]+)"
              + "|andermans|ander(e|s)?\\s+(account|bedrijf|organisatie|gebruiker)"
              + "|(accounts?|abonnementen)\\b[^.?!]{0,40}samenvoegen|samenvoegen\\b[^.?!]{0,40}accounts?"
              + "|namens\\s+(mijn\\s+)?(collega|klant|iemand)|overleden"),
          p("\\b(someone\\s+else'?s|another\\s+(user|customer|company|person|organi[sz]ation)'?s?\\s+account"
              + "|(my\\s+)?colleague'?s\\s+account|account\\s+of\\s+(my\\s+)?(colleague|client|someone|another)"
              + "|on\\s+behalf\\s+of|other\\s+(company|organi[sz]ation|customer)'?s?|merge\\s+(our\\s+|the\\s+|two\\s+)?accounts"
              + "|passed\\s+away|deceased|(account|data|details)\\s+(of|for)\\s+[\\w.+-]+@[\\w-]+\\.\\w+)")),
      new Rule("instruction_override", "human",
          p("(vergeet|negeer)\\s+(al\\s+)?(je|jouw|alle|de|eerdere|vorige)\\s+(regels|instructies|opdrachten)"
              + "|je\\s+bent\\s+nu\\b|systeem\\s*(prompt|opdracht)|aan\\s+de\\s+(ai|assistent)\\s*(die\\s+dit\\s+leest)?\\s*:"
              + "|</?\\s*(ticket|system|instructions?)\\s*>"),
          p("(ignore|disregard|forget)\\s+(all\\s+|any\\s+)?(your\\s+|the\\s+|previous\\s+|prior\\s+|above\\s+)*(instructions|rules|prompt)"
              + "|you\\s+are\\s+now\\b|system\\s+(override|prompt)|to\\s+the\\s+(ai|assistant|bot|model)\\b[^.\\n]{0,20}:"
              + "|</?\\s*(ticket|system|instructions?)\\s*>|reveal\\s+(your|the)\\s+(prompt|instructions|secrets|api\\s+keys)"
              + "|mark\\s+this\\s+ticket\\s+as\\s+resolved")),
      new Rule("bug_report", "devops",
          p("(\\bat\\s+[\\w.$<>]+\\s*\\([^)]*:\\d+(:\\d+)?\\)|\\b\\w*(Error|Exception):\\s|\\bstack\\s*trace"
              + "|reproduceerbaar|sinds\\s+de\\s+(update|nieuwe\\s+versie|laatste\\s+versie)|geheugenlek"
              + "|volgens\\s+jullie\\s+(documentatie|site|artikel|handleiding)?[^.?!]{0,60}\\b(maar|niet)\\b|volgens\\s+jullie\\b"
              + "|\\b(dubbel|twee\\s+keer)\\s+(ontvangen|verstuurd|geleverd|getoond|afgeschreven|gefactureerd|binnen))"),
          p("(\\bat\\s+[\\w.$<>]+\\s*\\([^)]*:\\d+(:\\d+)?\\)|\\b\\w*(Error|Exception):\\s|\\bstack\\s*trace"
              + "|\\breproducible|\\breproduced|since\\s+(the|your|today'?s|yesterday'?s)\\s+(update|release|upgrade|deploy\\w*)"
              + "|\\bregression\\b|memory\\s+leak|heap\\s+(snapshot|dump)"
              + "|according\\s+to\\s+(you|your|the)\\s*(docs|documentation|article|help\\s+page|site)?\\b"
              + "|\\b(delivered|sent|returned|returns|listed|shown|arrives?|reaches)\\b[^.?!]{0,40}\\btwice\\b)")));

  private EscalationRules() {
  }

  /** The rules that fire for a text, the question's language checked first. */
  public static List<Match> match(String text, String language) {
    List<Match> out = new ArrayList<>();
    for (Rule r : RULES) {
      Pattern first = "en".equals(language) ? r.en() : r.nl();
      Pattern second = "en".equals(language) ? r.nl() : r.en();
      java.util.regex.Matcher m = first.matcher(text);
      if (m.find()) {
        out.add(new Match(r.name(), r.escalation(), language, excerpt(m.group())));
        continue;
      }
      m = second.matcher(text);
      if (m.find()) {
        out.add(new Match(r.name(), r.escalation(), "en".equals(language) ? "nl" : "en", excerpt(m.group())));
      }
    }
    return out;
  }

  private static String excerpt(String s) {
    return s.length() > 80 ? s.substring(0, 80) : s;
  }

  private static Pattern p(String regex) {
    return Pattern.compile(regex, FLAGS);
  }
}
