package io.supportpilot.triage;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routing policy's hard rules, written from the support domain in Dutch and English (never from individual
 * questions): a question that asks for money back or a billing correction, for a person, for another account or a
 * change of ownership, that raises a legal or privacy matter, that asks for a new feature or a commercial deal, or
 * that tries to instruct the assistant goes to a person; a question that shows our product misbehaving (a stack trace from our code, an automated error report, a
 * regression tied to a release, a security bug) goes to DevOps. Instruction overrides are recognised by their
 * structure: text addressed to the assistant or the system, role or system markers, requests to change rules, role,
 * ticket status, permissions or prices. {@link #signals} adds softer cues that the learned router weighs.
 */
public final class EscalationRules {

  /** A rule that fired: its name, the escalation target and the language of the form that matched. */
  public record Match(String rule, String escalation, String language, String excerpt) {
  }

  private record Rule(String name, String escalation, Pattern nl, Pattern en) {
  }

  private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.MULTILINE;

  /** Words that address the assistant or the system rather than the support desk. */
  private static final String AI_EN = "(ai|a\\.i\\.|assistant|bot|chatbot|model|llm|agent|support\\s+(ai|bot|assistant)|system)";
  private static final String AI_NL = "(ai|a\\.i\\.|assistent|bot|chatbot|model|llm|agent|support-?(ai|bot|assistent)|systeem)";

  /** An exception class name as code writes it (TypeError, NullPointerException): checked on the original case. */
  private static final Pattern EXCEPTION_NAME = Pattern.compile("\\b[A-Z][a-z]+([A-Z][a-z]+)*(Error|Exception)\\b");

  /** A question about what the policy is, rather than a demand. */
  private static final Pattern POLICY_QUESTION = p("\\b(krijg|ontvang)\\s+(ik|je|we|wij)\\b[^.?!\\n]{0,40}\\?"
      + "|\\b(do|will|would)\\s+(i|we)\\s+get\\b[^.?!\\n]{0,40}\\?|\\b(is\\s+there|what\\s+is)\\s+(a|your)\\s+refund\\s+policy\\b"
      + "|\\b(als|wanneer)\\s+(ik|we|wij)\\b[^.?!\\n]{0,30}\\b(opzeg|opzeggen|annuleer)\\w*\\s*\\?|\\bif\\s+(i|we)\\s+cancel\\b[^.?!\\n]{0,30}\\?");
  /**
   * A how-to question about the customer's own bookkeeping: recording a refund or credit note for their own customer
   * or supplier in Exact, which the knowledge base answers; unless it is about our charges.
   */
  private static final Pattern BOOKKEEPING_QUESTION = p("\\b(hoe|how\\s+(do|can|should)\\s+(i|we)|how\\s+to|kan\\s+ik|can\\s+i|waar)\\b[^?\\n]{0,80}(\\bin\\s+exact\\b|\\b(voor|aan|van|to|for|from)\\s+(een\\s+|a\\s+|my\\s+|mijn\\s+|our\\s+|onze\\s+)?(klant|klanten|customer|customers|client|debiteur|leverancier|supplier)\\b|\\b(boek|boeken|book|record|registreren|verwerken)\\b)");
  private static final Pattern ABOUT_OUR_CHARGES = p("\\bjullie\\b|\\byou\\s+(charged|billed|took|debited)\\b|\\byour\\s+(invoice|charge|fee|subscription)\\b|\\b(mijn|ons|onze)\\s+abonnement\\b|\\b(my|our)\\s+(subscription|plan)\\b");
  /**
   * Bookkeeping data (invoices, balances, payments) of another of the customer's own customers or debtors: for an
   * Exact user a "klant" or "client" is a relation in their own administration, not another account of ours.
   */
  private static final Pattern OWN_RELATION_DATA = p("\\b(facturen|factuur|saldi|saldo|openstaande\\s+posten|betalingen"
      + "|invoices?|balances?|outstanding\\s+items|payments?)\\s+(van|of)\\s+(een\\s+|a\\s+)?(andere?|another|other)\\s+"
      + "(klant|klanten|customer|customers|client|clients|relatie|relaties|debiteur|debiteuren|debtor|debtors)\\b");
  /** A how-to question: asks how, where or whether, at the start of a sentence or as "how can I", "waar zie ik". */
  private static final Pattern HOW_TO = p("(^|[.?!\\n]\\s*)(hoe|waar|kan|kun|kunnen|welke|how|where|can|could|is\\s+it"
      + "\\s+possible|which)\\b|\\b(hoe|waar)\\s+(kan|kun|zie|vind)\\s+(ik|je|we|u)\\b|\\b(how|where)\\s+(do|can)\\s+(i|we)\\b");

  /** Words of a demand or a complaint about a charge already made. */
  private static final Pattern DEMAND = p("\\b(wil|eis|graag|verwacht|moet|please|want|demand|expect|need|charged|took|afgeschreven|geïncasseerd|gefactureerd|betwist|dispute)\\b");

  private static final List<Rule> RULES = List.of(
      new Rule("instruction_override", "human",
          p(String.join("|",
              // addressed to the assistant or the system
              "\\b(ps|p\\.s\\.|noot|bericht|opdracht|instructies?|let\\s+op|boodschap)\\s+(voor|aan)\\s+(de\\s+|het\\s+)?" + AI_NL + "\\b",
              "\\b(voor|aan)\\s+(de\\s+|het\\s+)?" + AI_NL + "\\s*(die\\s+dit\\s+\\w+)?\\s*:",
              "\\b(systeem|assistent|beheerders?|operator)(bericht|melding|instructies?|opdracht|prompt)\\b",
              "^\\s*(systeem|assistent|beheerder|operator)\\s*:",
              "\\b" + AI_NL + "\\s*[:,]\\s*(negeer|vergeet|sluit|markeer|verwijder|je\\s+bent|jij\\s+bent|vanaf\\s+nu)\\b",
              "\\bvanaf\\s+nu\\s+(geef|ben|moet|mag|zeg|antwoord|negeer|doe|geldt|behandel)\\b|\\b(antwoord|reageer)\\s+(alleen\\s+)?met\\s+['\"‘“]",
              "\\b(factuur|prijs|bedrag|abonnement|tarief)\\b[^.?!\\n]{0,30}\\b(op|naar)\\s+(nul|0)\\b",
              "\\bnieuwe\\s+(instructies|opdrachten|regels)\\b",
              // a new role
              "\\b(jij|je|u)\\s+(bent|is)\\s+(nu|vanaf\\s+nu|voortaan)\\b",
              "\\b(gedraag\\s+je|doe\\s+alsof|speel\\s+de\\s+rol|handel\\s+als)\\b",
              "\\b(ontwikkelaars|beheerders|debug|onderhouds|god)-?modus\\b",
              // changing the rules
              "\\b(negeer|vergeet|omzeil|overschrijf|schend)\\b[^.?!\\n]{0,40}\\b(instructies?|regels|beleid|richtlijnen|prompt|opdrachten|beperkingen)\\b",
              "\\b(regels|instructies|beperkingen|controles)\\b[^.?!\\n]{0,30}\\b(te\\s+)?(negeren|vergeten|omzeilen|loslaten)\\b",
              "\\b(negeer|vergeet)\\s+(alles|al\\s+het\\s+bovenstaande|wat\\s+hierboven|het\\s+voorgaande|eerdere)\\b|\\b(je|jouw)\\s+(nieuwe\\s+)?taak\\s+is\\s+(nu|voortaan|vanaf)\\b",
              "\\b(reageer|antwoord)\\b[^.?!\\n]{0,30}\\b(uitsluitend|alleen|enkel)\\s+met\\s+(het\\s+woord|de\\s+tekst|ja|nee)\\b",
              "\\b(je|jij)\\s+bent\\s+geen\\s+[\\w-]+\\s+meer\\b",
              "\\b(ik\\s+geef\\s+(je|jou|u)|(je|u)\\s+(hebt|heeft|krijgt))\\b[^.?!\\n]{0,20}\\b(toestemming|bevoegdheid|autorisatie|vrijbrief)\\b",
              "\\bsysteem\\s*-?prompt\\b|\\b(interne|verborgen|geheime|oorspronkelijke)\\s+(instructies|prompt|regels|opdrachten)\\b",
              "\\b(schrijf|zet|vermeld|zeg|eindig|begin|sluit)\\b[^.?!\\n]{0,30}\\b(in|onder|boven|met)\\s+(je|jouw|uw|het)\\s+(antwoord|reactie)\\b",
              "\\b(moet|mag|kan)\\b[^.?!\\n]{0,20}\\bals\\s+(opgelost|gesloten|afgehandeld)\\s+(gemarkeerd|gezet)\\s+worden\\b",
              "\\bbehandel\\s+(deze|de|mij|mijn|dit)\\s+(klant|gebruiker|account|ticket|aanvraag)\\s+als\\b|\\b100\\s?%\\s+korting\\b|\\bkorting\\s+van\\s+100\\s?%",
              "\\bvanaf\\s+(dit\\s+moment|heden|nu\\s+af)\\b|\\bvoortaan\\s+(ben|mag|moet|geef|antwoord)\\s+(je|jij|u)\\b",
              "\\b(nooit|niet\\s+meer)\\s+(escaleren|doorsturen)\\b",
              // status, permissions and prices
              "\\b(sluit|markeer)\\s+(dit|het|deze|mijn)\\s+(ticket|melding|zaak|verzoek)\\b",
              "\\b(zet|wijzig|verander|verlaag|verhoog)\\s+(de\\s+)?(status|prioriteit)\\s+van\\s+(dit|deze|mijn|het)\\s+(ticket|melding|zaak|verzoek)\\b",
              "\\b(geef|verleen|gun)\\s+(mij|me|hem|haar|ons|hen|deze\\s+gebruiker)\\s+(volledige\\s+|alle\\s+)?(toegang|rechten|beheerdersrechten|adminrechten)\\b",
              "\\b(beheerders|admin)rechten\\s+(gekregen|toegekend)\\b",
              "\\b(zet|maak|pas|bevestig|geef)\\b[^.?!\\n]{0,60}\\b(zonder\\s+kosten|kosteloos|gratis|voor\\s+niets|€\\s?0\\b|0\\s?euro)",
              "\\b(zonder\\s+kosten|kosteloos|gratis|€\\s?0\\b|0\\s?euro)\\b[^.?!\\n]{0,60}\\b(bevestig|pas\\s+\\w+\\s+aan|zet)\\b",
              "\\b(bevestig|zeg|antwoord)\\b[^.?!\\n]{0,30}\\b(in\\s+je\\s+antwoord|in\\s+uw\\s+antwoord|dat\\s+het\\s+geregeld\\s+is)",
              "\\bgeef\\b[^.?!\\n]{0,30}\\b(systeemprompt|instructies|geheimen|alle\\s+sleutels)\\b")),
          p(String.join("|",
              "\\b(note|message|instructions?|memo|ps|p\\.s\\.|attention)\\s+(to|for)\\s+(the\\s+|any\\s+)?" + AI_EN + "\\b",
              "\\b(instructions?|instructie|opdracht|note|notitie|let\\s+op|attention|dear|beste)\\b[^.\\n:]{0,30}\\b(ai|assistant|assistent|bot|chatbot|model|llm|language\\s+model|taalmodel|agent)\\s*:",
              "\\bto\\s+(the\\s+|any\\s+)?" + AI_EN + "\\b[^.\\n]{0,30}:",
              "\\bas\\s+the\\s+" + AI_EN + "\\s+(handling|reading|processing|answering)\\b",
              "\\b(assistant|system|operator|admin|developer)\\s+(instructions?|note|message|override|command|prompt)s?\\b",
              "\\bnew\\s+(instructions|orders|rules)\\b",
              "\\b" + AI_EN + "\\s*[:,]\\s*(ignore|forget|close|mark|delete|grant|reveal|you\\s+are|from\\s+now\\s+on)\\b",
              "\\bfrom\\s+now\\s+on,?\\s+(you|always|never|ignore|answer|respond|reply|give|treat)\\b",
              "\\b(invoice|price|bill|charge|plan|fee)\\b[^.?!\\n]{0,30}\\b(to|at)\\s+(zero|0)\\b",
              "\\byou\\s+are\\s+(now|from\\s+now\\s+on|hereby)\\b",
              "\\b(act|behave|respond)\\s+as\\s+(if|though|a|an|the)\\b|\\bpretend\\s+(to\\s+be|you)\\b",
              "\\b(developer|admin|god|debug|maintenance|unrestricted|jailbreak)\\s+mode\\b",
              "\\b(ignore|disregard|forget|override|bypass)\\b[^.?!\\n]{0,40}\\b(instructions?|rules|polic(y|ies)|guidelines|prompt|restrictions)\\b",
              "\\b(ignore|disregard|bypass|skip|override)\\b[^.?!\\n]{0,30}\\b(checks|safeguards|filters|controls|limits|verification)\\b",
              "\\b(ignore|disregard|forget)\\s+(all|everything|anything)\\s+(above|before|previous|prior|else)\\b|\\byour\\s+(new|real|actual)\\s+(task|job|role|instructions?)\\b",
              "\\b(reply|respond|answer)\\b[^.?!\\n]{0,30}\\bwith\\s+only\\s+(the\\s+word|the\\s+text|yes|no)\\b",
              "\\byou'?re\\s+no\\s+longer\\b|\\byou\\s+are\\s+no\\s+longer\\b|\\b(ai|assistant|bot)\\s+included\\b",
              "\\b(you\\s+have|you'?ve\\s+been\\s+given|i\\s+(hereby\\s+)?(give|grant)\\s+you)\\s+(my\\s+|full\\s+)?(permission|authori[sz]ation|clearance)\\b",
              "\\bsystem\\s*-?prompt\\b|\\b(hidden|internal|secret|original|initial)\\s+(instructions|prompt|rules|directives)\\b",
              "\\b(write|state|put)\\b[^.?!\\n]{0,30}\\bin\\s+(your|the)\\s+(reply|answer|response)\\b|\\b(end|start|begin|close|sign)\\s+(your|the)\\s+(reply|answer|response)\\s+with\\b",
              "\\b(should|must|needs?\\s+to|has\\s+to)\\s+be\\s+(marked|set|closed)\\s+(as\\s+)?(resolved|closed|solved|done)\\b",
              "\\btreat\\s+(this|the|me|my)\\s+(customer|user|account|ticket|request)\\s+as\\b|\\b100\\s?%\\s+discount\\b",
              "\\b(from\\s+(this|that)\\s+(moment|point)(\\s+on)?|henceforth|starting\\s+now)\\b[^.?!\\n]{0,15}\\byou\\b",
              "\\bnever\\s+escalate\\b",
              "\\byou\\s+(are|have\\s+been)\\s+(authori[sz]ed|allowed|permitted|cleared)\\b",
              "\\b(mark|set|close|resolve)\\s+(this|the|my)\\s+(ticket|case|issue|request|customer)\\b",
              "\\bmark\\s+(this|the)\\s+\\w+\\s+as\\b",
              "\\b(set|change|raise|lower)\\s+(the\\s+)?(priority|status)\\s+(of\\s+)?(this|my|the)\\s+(ticket|case|request)\\b|\\b(set|raise|lower)\\s+(the\\s+)?priority\\s+to\\b",
              "\\b(grant|give)\\s+(me|them|him|her|us|this\\s+user)\\s+(full\\s+|admin\\s+|all\\s+)?(access|rights|permissions|admin)\\b",
              "\\b(set|make|change|upgrade|put|confirm|give)\\b[^.?!\\n]{0,60}\\b(at\\s+no\\s+(cost|charge)|free\\s+of\\s+charge|for\\s+free|[€$]\\s?0\\b|0\\s?(euro|eur|usd)\\b)",
              "\\b(reply|respond|answer)\\s+(only\\s+)?(with\\s+)?['\"‘“]",
              "\\bconfirm\\b[^.?!\\n]{0,30}\\bin\\s+your\\s+(reply|answer|response)\\b",
              "\\b(reveal|print|dump|output|show)\\b[^.?!\\n]{0,30}\\b(system\\s+prompt|your\\s+instructions|secrets?|all\\s+(e-?mail|api|keys|users|customers|team))",
              // role or system markers
              "</?\\s*[a-z_][a-z0-9_.-]{0,30}\\s*>|<!--|-->|\\[/?\\s*(inst|system|systeem|assistant|assistent|admin|beheerder|operator|sys)\\b[^\\]]*\\]",
              "^\\s*#{2,}|\\b(end|begin|start)\\s+of\\s+(the\\s+)?(user\\s+)?(message|prompt|input|ticket|instructions|conversation)\\b",
              "^\\s*(system|assistant|operator|developer|admin)\\s*:",
              "\\b(ticket|customer|user|account|plan|priority|status|role|tier)\\.[a-z_]+\\s*=",
              "\\bim_(start|end)\\b"))),
      new Rule("refund", "human",
          p(String.join("|",
              "\\bgeld\\s+(terug|retour)\\b|\\bterug\\s*(te\\s+)?(betalen|storten|boeken)\\b|\\bterug(betal|stort|boek|gestort|geboekt|betaald)\\w*",
              "\\b(bedrag|bedragen|geld|kosten|abonnementsgeld)\\b[^.?!\\n]{0,40}\\b(retour|terug)\\b|\\bretour\\s+op\\s+(mijn|onze)\\s+rekening",
              "\\brestitutie\\b|\\bcompensatie\\b|\\bschadevergoeding\\b|\\bvergoed(en|ing|ingen|t|d)?\\b|\\bcrediteren\\b",
              "\\b(eis|wil|graag|vraag|stuur|maak|verwacht)\\b[^.?!\\n]{0,30}\\bcredit(nota|factuur)|\\bcredit(nota|factuur)\\b[^.?!\\n]{0,30}\\b(aanvragen|sturen|opmaken|ontvangen|graag)\\b",
              "\\b(twee|2|drie|3)\\s*(keer|maal)\\b[^.?!\\n]{0,40}\\b(afgeschreven|geïncasseerd|geincasseerd|betaald|gefactureerd|in\\s+rekening|afschrijving)",
              "\\b(dubbele?|twee|meerdere)\\s+(afschrijving|afschrijvingen|incasso's?|facturen|betalingen)\\b",
              "\\b(dubbel|te\\s+veel|onterecht)\\s+(afgeschreven|geïncasseerd|geincasseerd|betaald|gefactureerd|in\\s+rekening\\s+gebracht)\\b",
              "\\bbetwist\\w*|\\bstorn(o|eren|eer|eert|ering)\\b|\\bchargeback\\b|\\bbank\\w*\\s+terug\\w*",
              "\\b(korting|tegoed|creditering)\\b[^.?!\\n]{0,30}\\b(op\\s+de\\s+)?(volgende|komende)\\s+(factuur|maand)\\b|\\bgecorrigeerde\\s+factuur\\b",
              "\\b(incasso|afschrijving|betaling|factuur)\\b[^\\n]{0,60}\\bongedaan\\b|\\bte\\s+veel\\s+(gefactureerd|betaald|gerekend|afgeschreven)\\b",
              "\\b(afschrijving|incasso|betaling)\\b[^.?!\\n]{0,40}\\bterug(draaien|halen|vorderen|laten\\s+\\w+)\\b|\\bterug\\s+laten\\s+(draaien|boeken|halen)\\b",
              "\\b(daar|hiervoor|dat)\\s+betaal\\s+ik\\s+niet\\b|\\bniet\\s+(voor\\s+)?(willen\\s+)?betalen\\s+voor\\b")),
          p(String.join("|",
              "\\brefund\\w*|\\bmoney\\s+back\\b|\\breimburs\\w*|\\bcharge\\s*-?\\s*backs?\\b|\\bcompensat\\w*|\\bovercharg\\w*",
              "\\b(reverse(?![-\\s]charge)|refund|return|credit|waive)\\b[^.?!\\n]{0,40}\\b(charges?|payments?|amount|fees?|difference|what\\s+it\\s+cost|money|debit)\\b",
              "\\breverse\\s+(it|this|that|them|the\\s+(?!charge)\\w+)\\b",
              "\\b(charged|billed|invoiced|debited|took)\\b[^.?!\\n]{0,30}\\b(twice|double|two\\s+times|again|even\\s+though|although|despite|after\\s+I)\\b",
              "\\bstill\\s+(took|charged|billed|debited|invoiced)\\b|\\bdouble[-\\s](charge|charged|billing|billed|payment)\\w*",
              "\\b(dispute|contest)\\w*\\s+(the\\s+|this\\s+|a\\s+|our\\s+|my\\s+)?(charge|payment|invoice|debit|transaction|bill)",
              "\\b(discount|credit)\\b[^.?!\\n]{0,30}\\b(on|off)\\s+(the|our|my)\\s+(next|coming)\\s+(invoice|bill|month)\\b|\\bcorrected\\s+invoice\\b",
              "\\b(debit|charge|payment|invoice)\\b[^\\n]{0,60}\\bundone\\b|\\boverbill\\w*|\\bmade\\s+right\\s+financially\\b",
              "\\bpay\\s+back\\b|\\bsend\\s+back\\s+(the|our|my)\\b[^.?!\\n]{0,20}\\b(payment|money|amount|fee)\\b|\\b(paid|billed|charged)\\s+(you\\s+)?twice\\b",
              "\\bcredit\\s+(note|memo)\\b|\\bpay\\s+(me|us)\\s+back\\b|\\bnot\\s+paying\\s+for\\b"))),
      new Rule("other_account", "human",
          p(String.join("|",
              "\\b(sleutel|api-?sleutel|account|gegevens|logs|verzoeklogs|wachtwoord|toegang|inlog\\w*|administraties|saldi|facturen|e-?mailadressen)\\s+van\\s+(mijn\\s+|onze?\\s+|het\\s+|de\\s+|een\\s+)?(collega|ex-collega|zusterbedrijf|dochterbedrijf|moederbedrijf|andere?\\s+\\w+|iemand\\s+anders|klant\\s+\\d+|account\\s+\\d+)",
              "\\biemand\\s+anders\\s+zijn\\b",
              "\\b(account|abonnement|koppeling|facturatie|beheer)\\b[^.?!\\n]{0,60}\\b(overzetten|overdragen|overschrijven|op\\s+(mijn|onze|zijn|haar)\\s+naam|op\\s+naam\\s+van)\\b",
              "\\b(overzetten|overdragen|overschrijven)\\b[^.?!\\n]{0,40}\\b(account|abonnement|koppeling)\\b",
              "\\b(maak|zet)\\s+(mij|me|ons)\\s+(admin|eigenaar|beheerder|owner)\\b|\\bmij\\s+(admin|eigenaar|beheerder)\\s+maken\\b",
              "\\b(eigenaar|eigendom)\\b[^.?!\\n]{0,40}\\b(account|abonnement|overdragen|overzetten|wijzigen)\\b",
              "\\b(mij|me|ons)\\s+(zijn|haar|hun)\\s+(api-?sleutel|sleutel|wachtwoord|account|inlog\\w*|gegevens|logs)\\b",
              "\\b(account|wachtwoord|api-?sleutel|gegevens)\\s+van\\s+(het\\s+account\\s+van\\s+)?(mijn|onze)\\s+(man|vrouw|partner|vader|moeder|zoon|dochter|baas|klant)\\b|\\b(al\\s+)?hun\\s+api-?sleutels\\b",
              "\\b(logs?|verzoeklogs|api-?sleutel|sleutel|wachtwoord)\\s+van\\s+(onze|mijn|een|de)\\s+(klant|collega|partner)\\b",
              "\\b(account|abonnement|beheer)\\b[^.?!\\n]{0,40}\\bovernemen\\b",
              "\\b(geen\\s+toegang\\s+meer|toegang\\s+kwijt|buitengesloten)\\b[^.?!\\n]{0,60}\\b(account|e-?mail|beheerder)\\b",
              "\\b(toegang|rechten)\\s+(weghalen|intrekken|afnemen)\\b")),
          p(String.join("|",
              "\\b(key|api\\s+key|account|data|logs|password|access|login|divisions|balances|details|invoices|e-?mail\\s+addresses)\\s+(of|from|belonging\\s+to)\\s+(my\\s+|our\\s+|the\\s+|a\\s+)?(colleague|ex-colleague|former\\s+\\w+|sister\\s+company|subsidiary|parent\\s+company|another\\s+\\w+|other\\s+\\w+|someone|client\\s+\\d+|customer\\s+\\d+|tenant\\s+\\d+|account\\s+\\d+)",
              "\\b(someone|somebody)\\s+else'?s\\b|\\b(my\\s+)?(colleague|co-?worker|boss|partner)'?s\\s+(account|key|api\\s+key|password|data|login|invoices)\\b",
              "\\b(transfer|move|hand\\s+over|reassign)\\b[^.?!\\n]{0,40}\\b(account|ownership|subscription|admin\\s+role)\\b",
              "\\b(give|send|share|forward|tell)\\s+(me|us)\\s+(his|her|their)\\s+(api\\s+key|key|password|account|login|credentials|logs)\\b",
              "\\b(my|our)\\s+(husband|wife|partner|father|mother|son|daughter|boss|client)'?s\\s+(account|password|api\\s+key|data|login)\\b|\\b(all\\s+)?their\\s+api\\s+keys\\b",
              "\\b(logs?|request\\s+logs|api\\s+key|key|password|usage\\s+data)\\s+(of|from|belonging\\s+to)\\s+(our|my|a|the)\\s+(client|customer|colleague|partner)\\b",
              "\\btake\\s+over\\b[^.?!\\n]{0,30}\\b(account|administration|ownership|subscription)\\b",
              "\\b(make|set)\\s+me\\s+(the\\s+)?(owner|admin|administrator)\\b|\\bownership\\b",
              "\\b(account|subscription)\\b[^.?!\\n]{0,40}\\b(under|in|to)\\s+my\\s+name\\b",
              "\\b(lost|no)\\s+(longer\\s+have\\s+)?access\\s+to\\s+(the|our|my)\\s+(account|admin|e-?mail)\\b|\\b(recover|regain)\\b[^.?!\\n]{0,20}\\baccount\\b|\\blocked\\s+out\\b",
              "\\b(remove|revoke)\\s+(her|his|their)\\b[^.?!\\n]{0,30}\\b(access|role|admin)\\b|\\bneed\\s+(her|him|them)\\s+removed\\b"))),
      new Rule("legal_privacy", "human",
          p(String.join("|",
              "\\badvoca(at|ten)\\b|\\bjuridisch\\w*|\\brechtszaak\\b|\\brechter\\b|\\brechtbank\\b|\\baansprakelijk\\w*",
              "\\bjurist\\w*|\\bin\\s+strijd\\s+met\\s+de\\s+(avg|wet|privacywet\\w*)\\b",
              "\\bingebrekestelling\\b|\\bsommatie\\b|\\bdagvaard\\w*|\\bautoriteit\\s+persoonsgegevens\\b|\\btoezichthouder\\b",
              "\\bklacht\\s+(in\\s*dienen|indienen)\\b|\\b(zonder|geen|nooit)\\s+(mijn\\s+)?toestemming\\b|\\bavg-?(klacht|schending|overtreding)\\b",
              "\\bschending\\s+van\\s+de\\s+(avg|privacy)\\b")),
          p(String.join("|",
              "\\blawyer\\b|\\battorney\\b|\\bsolicitor\\b|\\blegal\\s+(action|steps|proceedings|counsel)\\b|\\blawsuit\\b",
              "\\bsue\\b|\\bsuing\\b|\\bcourt\\b|\\bliab(le|ility)\\b|\\bregulator\\b|\\bdata\\s+protection\\s+authority\\b",
              "\\b(gdpr|privacy)\\s+(breach|violation|complaint)\\b|\\bbreach\\s+of\\s+(contract|the\\s+gdpr|gdpr|privacy)\\b",
              "\\bwithout\\s+(my\\s+|our\\s+)?consent\\b|\\bnever\\s+(gave|given)\\s+(my\\s+|our\\s+)?consent\\b|\\bnotice\\s+of\\s+default\\b"))),
      new Rule("person", "human",
          p(String.join("|",
              "\\b(spreken|praten|bellen|contact)\\b[^.?!\\n]{0,30}\\b(leidinggevende|manager|mens|persoon|medewerker|supervisor|teamleider|directeur)\\b",
              "\\b(wil|graag|eis|vraag)\\b[^.?!\\n]{0,30}\\b(leidinggevende|manager|teamleider|supervisor)\\b",
              "\\becht(e)?\\s+(mens|persoon|medewerker)\\b|\\b(bel|belt)\\s+(mij|me)\\b",
              "\\bvan\\s+vlees\\s+en\\s+bloed\\b|\\bterug\\s*bel\\w*|\\b(geen|niet\\s+met\\s+een)\\s+(bot|robot|chatbot|computer)\\b",
              "\\bonacceptabel\\b|\\bbelachelijk\\b|\\bschandalig\\b|\\bschande\\b|\\bwaardeloos\\b|\\boplicht\\w*",
              "\\bik\\s+ben\\s+het\\s+zat\\b|\\bvoor\\s+de\\s+(zoveelste|derde|vierde)\\s+keer\\b|!{3,}")),
          p(String.join("|",
              "\\b(speak|talk|chat)\\s+(to|with)\\b[^.?!\\n]{0,30}\\b(human|person|manager|supervisor|representative|someone|somebody|whoever|staff)\\b",
              "\\b(get|give|connect|transfer|put)\\s+me\\s+(through\\s+)?(to\\s+)?(a\\s+|an\\s+|your\\s+)?(human|person|real\\s+person|manager|supervisor|agent)\\b",
              "\\breal\\s+(person|human)\\b|\\bhuman\\s+(agent|being)\\b|\\b(call|phone|ring)\\s+me\\b|\\bwhoever\\s+is\\s+in\\s+charge\\b",
              "\\b(actual|live)\\s+(human|person|people|agent)\\b|\\bnot\\s+(with\\s+)?an?\\s+(bot|robot|chatbot|machine|ai)\\b",
              "\\bescalate\\b[^.?!\\n]{0,20}\\bto\\s+(a|your|the)\\s+(manager|supervisor|human|person)\\b",
              "\\bunacceptable\\b|\\bridiculous\\b|\\boutrageous\\b|\\bdisgrace\\w*|\\bpathetic\\b|\\bfurious\\b|\\bscam\\b",
              "\\bfed\\s+up\\b|\\bsick\\s+(and\\s+tired\\s+)?of\\b|\\b(third|fourth|fifth)\\s+time\\b|!{3,}"))),
      new Rule("feature_or_sales", "human",
          p(String.join("|",
              "\\bkunnen\\s+jullie\\b[^.?!\\n]{0,60}\\b(bouwen|maken|toevoegen|ontwikkelen|inbouwen)\\b",
              "\\b(graag|ik\\s+wil|wij\\s+willen|we\\s+willen)\\b[^.?!\\n]{0,20}\\b(een\\s+)?(tool|functie|optie|integratie|koppeling)\\s+(waarmee|voor|die|om)\\b",
              "\\b(staat|komt)\\b[^.?!\\n]{0,20}\\bop\\s+de\\s+(roadmap|planning)\\b|\\bfeature\\s*request\\b",
              "\\b(staffel|volume)korting\\b|\\bkantoorlicentie\\b|\\bofferte\\b|\\b(enterprise|zakelijk)\\s*(contract|licentie|abonnement)\\b")),
          p(String.join("|",
              "\\b(please|could\\s+you|can\\s+you|would\\s+you|will\\s+you)\\s+(add|build|create|develop|implement)\\b[^.?!\\n]{0,40}\\b(tool|feature|function|support|integration|option|connector|endpoint|report|export)s?\\b",
              "\\bfeature\\s+request\\b|\\b(any|are\\s+there|do\\s+you\\s+have)\\s+plans?\\s+(for|to)\\b|\\b(on|in)\\s+(the|your)\\s+roadmap\\b",
              "\\bwe'?d\\s+(happily\\s+|gladly\\s+)?pay\\s+(extra|more)\\b|\\b(enterprise|volume)\\s+(contract|pricing|discount|licen[sc]e|deal|plan)\\b",
              "\\b(volume|bulk|partner|reseller)\\s+discount\\b|\\bquote\\s+for\\b|\\breseller\\b"))),
      new Rule("product_malfunction", "devops",
          p(String.join("|",
              "\\bat\\s+[\\w.$<>]+\\s*\\([^)]*:\\d+(:\\d+)?\\)|\\bstack\\s*trace\\b|\\btraceback\\b|\\bcannot\\s+(find\\s+module|read\\s+propert)",
              "^\\s*\\[\\s*(automatische?|automatisch|geautomatiseerde?|auto)\\b[^\\]]*\\]|\\bfoutpercentage\\b",
              "\\b(sinds|na)\\s+(de\\s+|jullie\\s+|gisteren\\s+|vandaag\\s+|de\\s+laatste\\s+|de\\s+nieuwe\\s+)?(update|release|versie|upgrade)\\s*(naar\\s+)?v?\\d+\\.\\d+",
              "\\b(sinds|na)\\s+(de\\s+|jullie\\s+)(laatste\\s+|nieuwe\\s+|recente\\s+)?(update|release|upgrade)\\b|\\bsinds\\s+(versie\\s+|release\\s+)?v?\\d+\\.\\d+",
              "\\bregressie\\b|\\bbeveiligingslek\\w*|\\bbeveiligingsprobleem\\b",
              "\\b(volgens|zoals\\s+in|conform)\\s+(het|jullie|de)\\s+(artikel|handleiding|documentatie|instructies|stappen)\\b[^\\n]{0,120}\\b(nog\\s+steeds|blijft|weer|faalt|mislukt|werkt\\s+(het\\s+)?niet|wel)\\b",
              "\\b(oude|vorige|ingetrokken|verwijderde)\\b[^.?!\\n]{0,40}\\b(sleutel|token)\\b[^.?!\\n]{0,40}\\b(werkt|werken|geeft)\\s+(nog|gewoon\\s+nog)\\b",
              "(?<!\\b(?:kan|kun|kunt|kunnen|mag|mogen|wil|willen|moet|moeten|om\\ste|hoe|waar)\\s(?:ik\\s|we\\s|wij\\s|je\\s|u\\s|men\\s)?)\\b(zie|ziet|zien|zag|zagen|inzien|toont|toonde|tonen|kreeg|kregen|krijg|krijgen|geeft|gaf|verschijnt|verschijnen|zichtbaar)\\b[^.?!\\n]{0,50}\\b(gegevens|administraties?|saldi|facturen|cijfers|boekingen|klanten|relaties)?\\s*(van\\s+)?(een\\s+)?(ander(e|s)?\\s+(bedrijf|klant|organisatie|team|account|tenant)|iemand\\s+anders)\\b",
              "\\b(gegevens|saldi|cijfers|facturen)\\s+van\\s+een\\s+(ander\\s+)?(bedrijf|klant|organisatie)\\s+(dat|die)\\s+(niet|nooit)\\b|\\bniet\\s+van\\s+ons\\s+(is|zijn)\\b")),
          p(String.join("|",
              "\\bat\\s+[\\w.$<>]+\\s*\\([^)]*:\\d+(:\\d+)?\\)|\\bstack\\s*trace\\b|\\btraceback\\b|\\bcannot\\s+(find\\s+module|read\\s+propert)",
              "^\\s*\\[\\s*(automated|automatic|auto)\\b[^\\]]*\\]|\\berror\\s+rate\\b|\\btenants\\s+affected\\b",
              "\\b(since|after)\\s+(the\\s+|your\\s+|yesterday'?s\\s+|today'?s\\s+|this\\s+morning'?s\\s+|last\\s+\\w+'?s\\s+|\\w+day'?s\\s+)(update|release|upgrade|deploy\\w*)\\b",
              "\\b(since|after)\\s+(the\\s+|your\\s+)?(update\\s+to\\s+|upgrading\\s+to\\s+|version\\s+|release\\s+)?v?\\d+\\.\\d+(\\.\\d+)?\\b",
              "\\bregression\\b|\\bsecurity\\s+(issue|bug|hole|problem|flaw)\\b",
              "\\b(followed|did\\s+everything\\s+in|as\\s+(described\\s+)?in|according\\s+to)\\s+(your|the)\\s+(article|docs|documentation|guide|help\\s+page|instructions|steps)\\b[^\\n]{0,120}\\b(still|again|fails?|failing|doesn'?t\\s+work|same\\s+error)\\b",
              "\\b(old|previous|revoked|deleted|removed|regenerated|former)\\b[^.?!\\n]{0,60}\\b(key|token)\\b[^.?!\\n]{0,40}\\bstill\\s+(works|work|returns|succeeds|valid|gets)\\b",
              "(?<!\\b(?:can|could|may|might|to|will|would|where|how|(?:where|how)\\s(?:do|does))\\s(?:i\\s|we\\s|you\\s|one\\s|they\\s)?)\\b(see|sees|seeing|saw|shows|showed|returned|answered\\s+with|got)\\b[^.?!\\n]{0,50}\\b(another|other|someone\\s+else'?s)\\s+(company|customer|client|team|account|tenant)",
              "\\b(data|balances|figures|numbers|invoices|details)\\s+(of|from)\\s+(a|another|some)\\s+(company|customer|client|tenant|organi[sz]ation)\\s+(that|which)\\s+(isn'?t|is\\s+not|we)\\b|\\b(isn'?t|is\\s+not)\\s+ours\\b"))));

  /** Softer cues the learned router weighs; none of them decides alone. */
  public enum Signal {
    /** The customer followed the documented steps, or it fails every time: it reproduces. */
    REPRODUCES,
    /** Numbers from a tool disagree with Exact, or are doubled or missing. */
    WRONG_DATA,
    /** A server error of ours (500, internal server error) that persists. */
    SERVER_ERROR,
    /** Everyone, every tool, every account is affected. */
    WIDESPREAD,
    /** The customer's own setup: Node/npx, PATH, proxy, firewall, their network, their machine. */
    OWN_ENVIRONMENT,
    /** A limit, quota or division on the customer's side. */
    OWN_LIMIT,
    /** A request for something the product does not do yet, or a sales question. */
    FEATURE_OR_SALES,
    /** A complaint or frustration. */
    COMPLAINT,
    /** Billing, invoices, payments, plans. */
    BILLING_TOPIC,
    /** Account, team, roles, ownership. */
    ACCOUNT_TOPIC,
    /** A vague question: very short, or with a vague wording. */
    VAGUE,
    /** More than one question. */
    SEVERAL_QUESTIONS,
    /** An exception class name (TypeError, McpError): ours or the customer's tooling. */
    EXCEPTION_NAME,
    /**
     * Our product misbehaving in a narrow way: a result that is wrong, one tool or endpoint failing where others work,
     * something that worked before and stopped, a date or timezone shift, a counter that is off.
     */
    MALFUNCTION
  }

  /**
   * Our product misbehaving in a way no article answers: figures counted twice or totals that do not add up, a date
   * shifted by a time zone, a usage counter that is off, one tool or endpoint failing where the others work. A
   * question with one of these is never answered automatically ({@link #reportsMalfunction}).
   */
  private static final String MALFUNCTION_NARROW = String.join("|",
      "\\bcount(ed|s)?\\b[^.?!\\n]{0,30}\\b(twice|double)\\b|\\bdouble[-\\s]counted\\b",
      "\\bdubbel\\s+(geteld|meegeteld|getoond|opgeteld)|\\b(twee|2)\\s*keer\\s+(geteld|getoond|meegeteld)",
      "\\b(incorrect|wrong|inaccurate)\\s+(totals?|balances?|figures?|results?|counts?|sums?)\\b|\\bdoesn'?t\\s+add\\s+up\\b",
      "\\btelt\\s+niet\\s+op\\b",
      "\\btime\\s*zones?\\b|\\btijdzone\\w*|\\boff\\s+by\\s+(one|a|1)\\b|\\b(one|a)\\s+day\\s+(early|late|off)\\b",
      "\\b(een|1)\\s+dag\\s+(te\\s+vroeg|te\\s+laat|verschoven|eerder|later)\\b",
      "\\b(counter|usage|quota)\\b[^.?!\\n]{0,40}\\b(wrong|off|incorrect|too\\s+high|doesn'?t\\s+reset|not\\s+reset)\\b",
      "\\b(teller|verbruik)\\b[^.?!\\n]{0,40}\\b(klopt\\s+niet|te\\s+hoog|reset\\s+niet)\\b",
      "\\bonly\\s+(this|that|one|the)\\s+(tool|endpoint|call|report)\\b|\\b(other|all\\s+other)\\s+(tools|endpoints|calls)\\s+(work|are\\s+fine)\\b",
      "\\balleen\\s+(deze|die|de|bij\\s+de|bij\\s+deze)\\s+(tool|endpoint|aanroep|rapport)\\b|\\bandere\\s+(tools|endpoints)\\s+(werken|doen\\s+het)\\b");
  private static final Pattern MALFUNCTION_CUES = p(MALFUNCTION_NARROW);

  private static final Pattern[] SIGNALS = {
      p("\\b(followed|did\\s+everything\\s+in|as\\s+(described\\s+)?in|according\\s+to)\\s+(your|the)\\s+(article|docs|documentation|guide|help|instructions)"
          + "|\\b(volgens|zoals\\s+in|conform)\\s+(het|jullie|de)\\s+(artikel|handleiding|documentatie|instructies)"
          + "|\\breproduceerbaar|\\bherhaalbaar|\\b(every|each)\\s+(time|single|click|call|request)\\b"
          + "|\\belke\\s+(keer|klik|aanroep)|\\bbij\\s+elke\\b|\\biedere\\s+keer\\b|\\b(tried|retried|restarted|reinstalled|cleared)\\b[^.?!\\n]{0,60}\\b(still|again)\\b"
          + "|\\b(full|fresh)\\s+restart\\b|\\bnew\\s+chat\\b|\\b(private|incognito)\\s+window\\b|\\b(different|another|other)\\s+browser\\b|\\blatest\\s+version\\b"
          + "|\\b(five|four|three|several|many|\\d+)\\s+times\\b|\\bevery\\s+(day|night|morning)\\b|\\b(gisteren|vorige\\s+week)\\s+ook\\b"
          + "|\\b(andere|nieuwe)\\s+browser\\b|\\bopnieuw\\s+(aangevraagd|gekoppeld|geïnstalleerd|geprobeerd)\\b|\\bnieuwste\\s+versie\\b|\\b(twee|drie|vijf)\\s+keer\\b"
          + "|\\baccording\\s+to\\s+(you|your)\\b|\\b(although|even\\s+though|despite)\\b|\\b(ondanks|terwijl)\\b"
          + "|\\b(geprobeerd|herstart|opnieuw\\s+geïnstalleerd|geleegd)\\b[^.?!\\n]{0,60}\\b(nog\\s+steeds|blijft|weer)\\b|\\bblijft\\s+\\w*\\s*(falen|fout|hangen)"),
      p("\\bexact'?s\\s+own\\b|\\bin\\s+exact\\s+(zelf|itself)\\b|\\bexact\\s+zelf\\b"
          + "|\\b(than|what|while|whereas)\\s+exact\\s+(says|shows|reports|has)\\b|\\bexact\\s+(itself\\s+)?(says|shows|reports)\\b"
          + "|\\bdubbel\\s+(geteld|afgetrokken|opgeteld|getoond|meegeteld)|\\bterwijl\\s+exact\\b|\\bin\\s+exact\\s+(zelf\\s+)?(staat|zie|is|klopt)"
          + "|\\b(klopt|kloppen)\\s+niet\\s+met\\b|\\bzonder\\s+omrekening\\b"),
      p("\\b500\\b|\\binternal\\s+server\\s+error\\b|\\bserver\\s*fout\\b|\\b50[234]\\b"),
      p("\\b(everyone|everybody|all\\s+(our\\s+)?(users|tools|accounts|tenants|platforms|customers|sessions))\\b|\\b(iedereen|alle\\s+(gebruikers|tools|accounts|platforms|klanten|sessies))\\b"
          + "|\\bacross\\s+all\\b|\\bbij\\s+alle\\b"),
      p("\\beconnreset\\b|\\betimedout\\b|\\beai_again\\b|\\bself-signed\\b|\\b(our|my|company)\\s+(certificate|dns|it\\s+department)\\b|\\b(onze|mijn)\\s+(it-afdeling|certificaat|dns)\\b|"
          + "\\bnpx\\b|\\bnode(\\.js)?\\b|\\bnpm\\b|\\benoent\\b|\\bpath\\b|\\bnot\\s+recogni[sz]ed\\b|\\bcommand\\s+not\\s+found\\b|\\bniet\\s+herkend\\b"
          + "|\\bproxy\\b|\\bfirewall\\b|\\bvpn\\b|\\bantivirus\\b|\\b(our|my|company|office)\\s+(network|wifi|laptop|machine|pc|computer)\\b"
          + "|\\b(ons|mijn)\\s+(netwerk|wifi|laptop|pc|computer)\\b|\\bbedrijfsnetwerk\\b|\\b(on|at)\\s+(my|our)\\s+(side|end)\\b|\\baan\\s+(mijn|onze)\\s+kant\\b"),
      p("\\b(daily|monthly)\\s+(limit|quota|allowance)\\b|\\bfree\\s+plan\\b|\\bper-minute\\b"
          + "|\\b(dag|maand)?limiet\\b|\\bquota\\b|\\bgratis\\s+(plan|abonnement)\\b"),
      p("\\b(could|can|will|would)\\s+you\\s+(build|add|make|develop|create|support)\\b|\\bfeature\\s+request\\b|\\broadmap\\b|\\bany\\s+plans?\\b"
          + "|\\bintegration\\s+(with|for)\\b|\\bconnector\\s+for\\b|\\benterprise\\b|\\bdiscount\\b|\\bquote\\b|\\breseller\\b|\\bpartnership\\b|\\bpay\\s+extra\\b"
          + "|\\b(kunnen|willen|gaan)\\s+jullie\\b[^.?!\\n]{0,50}\\b(bouwen|maken|toevoegen|ontwikkelen|koppelen|aanbieden)\\b|\\bintegratie\\s+met\\b"
          + "|\\bkorting\\b|\\bstaffel\\w*|\\blicentie\\b|\\bofferte\\b|\\bcontract\\b|\\bgraag\\s+een\\s+(tool|functie|optie)\\b"),
      p("\\b(annoy\\w*|frustrat\\w*|angry|upset|disappoint\\w*|terrible|awful|again\\s+and\\s+again|no\\s+one|nobody|not\\s+acceptable)\\b"
          + "|\\b(boos|kwaad|gefrustreerd|geïrriteerd|irritant|vervelend|slecht|niemand|alweer|weer\\s+eens|nog\\s+steeds\\s+niet)\\b|!{2,}"),
      p("\\b(invoice|billing|billed|charged|payment|paid|card|subscription|plan|price|vat|receipt)\\b"
          + "|\\b(factuur|facturen|betaling|betaald|afschrijving|incasso|abonnement|prijs|btw|creditcard)\\b"),
      p("\\b(owner|admin|role|team|member|seat|colleague|account)\\b|\\b(eigenaar|beheerder|rol|team|lid|plaats|collega|account)\\b"),
      p("\\b(something|somehow|some\\s+kind|doesn'?t\\s+work|not\\s+working|sometimes|keeps|any\\s+tips|any\\s+caveats|issues?)\\b"
          + "|\\b(iets|ergens|soms|werkt\\s+niet|doet\\s+het\\s+niet|lijkt|tips)\\b"),
      p("\\?[^?]+\\?"),
      null,
      p(MALFUNCTION_NARROW + "|" + String.join("|",
          // a result that may be wrong (or misread)
          "\\b(klopt|kloppen|klopte)\\s+(het\\s+|de\\s+\\w+\\s+)?niet\\b|\\bonjuist\\w*",
          "\\bontbreken\\b|\\bontbrekende\\b",
          "\\b(is|are|was|were)\\s+(wrong|incorrect|off)\\b|\\bdoesn'?t\\s+match\\b|\\bdon'?t\\s+(add\\s+up|match)\\b|\\butc\\b",
          // worked before, stopped since a change
          "\\b(used\\s+to|always)\\s+work(ed)?\\b|\\bstopped\\s+working\\b|\\bsuddenly\\b",
          "\\bwerkt\\s+niet\\s+meer\\b|\\bopeens\\b|\\bineens\\b|\\bplotseling\\b",
          "\\bsince\\s+(the\\s+|your\\s+)?(last|latest|recent|new)\\s+(update|release|version)\\b|\\bsinds\\s+(de\\s+)?(laatste|nieuwe|recente)\\s+(update|release|versie)\\b",
          // a server error, still failing after the documented steps
          "\\binternal\\s+server\\s+error\\b|\\b(http\\s+)?500\\s+(error|from|back|response)\\b"
              + "|\\b(returns?|returned|gives?|gave|geeft|gaf)\\s+(a\\s+|een\\s+)?500\\b",
          "\\bstill\\s+(fails|failing|broken|wrong|returns|gives|shows)\\b"))};

  private EscalationRules() {
  }

  /** The hard rules that fire for a text, the question's language checked first. */
  public static List<Match> match(String text, String language) {
    String t = normalise(text);
    List<Match> out = new ArrayList<>();
    for (Rule r : RULES) {
      Pattern first = "en".equals(language) ? r.en() : r.nl();
      Pattern second = "en".equals(language) ? r.nl() : r.en();
      Matcher m = first.matcher(t);
      if (m.find()) {
        out.add(new Match(r.name(), r.escalation(), language, excerpt(m.group())));
        continue;
      }
      m = second.matcher(t);
      if (m.find()) {
        out.add(new Match(r.name(), r.escalation(), "en".equals(language) ? "nl" : "en", excerpt(m.group())));
      }
    }
    // A report of our product misbehaving that mentions another account (their data shown to this customer) is a
    // security bug for DevOps, not a request for someone else's account.
    if (out.stream().anyMatch(x -> "devops".equals(x.escalation()))
        && out.stream().allMatch(x -> "devops".equals(x.escalation()) || "other_account".equals(x.rule()))) {
      out.removeIf(x -> "other_account".equals(x.rule()));
    }
    // A how-to question about the invoices or balances of one of the customer's own relations ("hoe zie ik de saldi van
    // een andere klant") is their bookkeeping, not access to another account: dropped when nothing else in the text
    // asks for another account.
    if (out.stream().anyMatch(x -> "other_account".equals(x.rule())) && HOW_TO.matcher(t).find()
        && OWN_RELATION_DATA.matcher(t).find()) {
      String rest = OWN_RELATION_DATA.matcher(t).replaceAll(" ");
      Rule other = RULES.stream().filter(r -> "other_account".equals(r.name())).findFirst().orElseThrow();
      if (!other.nl().matcher(rest).find() && !other.en().matcher(rest).find()) {
        out.removeIf(x -> "other_account".equals(x.rule()));
      }
    }
    // Two questions that use refund words but claim nothing from us, which the knowledge base answers: what the refund
    // policy is (before cancelling, say), and how to record a refund or credit note for one's own customer in Exact.
    if (out.stream().anyMatch(x -> "refund".equals(x.rule()))
        && (POLICY_QUESTION.matcher(t).find() && !DEMAND.matcher(t).find()
            || BOOKKEEPING_QUESTION.matcher(t).find() && !ABOUT_OUR_CHARGES.matcher(t).find())) {
      out.removeIf(x -> "refund".equals(x.rule()));
    }
    return out;
  }

  /**
   * Whether a text reports our product misbehaving in a way no article answers (see {@code MALFUNCTION_NARROW}): such
   * a question is never answered automatically, however confident retrieval is.
   */
  public static boolean reportsMalfunction(String text) {
    return MALFUNCTION_CUES.matcher(normalise(text)).find();
  }

  /** The names of the hard rules, in the order of {@link #ruleFlags}. */
  public static List<String> ruleNames() {
    return RULES.stream().map(Rule::name).toList();
  }

  /** One flag per hard rule (see {@link #ruleNames}) for a list of matches. */
  static boolean[] ruleFlags(List<Match> matches) {
    boolean[] out = new boolean[RULES.size()];
    for (Match m : matches) {
      for (int i = 0; i < RULES.size(); i++) {
        if (RULES.get(i).name().equals(m.rule())) {
          out[i] = true;
        }
      }
    }
    return out;
  }

  /** The soft signals of a text, indexed by {@link Signal#ordinal()}; {@code VAGUE} also counts very short texts. */
  public static boolean[] signals(String text) {
    String t = normalise(text);
    boolean[] out = new boolean[SIGNALS.length];
    for (int i = 0; i < SIGNALS.length; i++) {
      out[i] = SIGNALS[i] != null && SIGNALS[i].matcher(t).find();
    }
    out[Signal.EXCEPTION_NAME.ordinal()] = EXCEPTION_NAME.matcher(text == null ? "" : text).find();
    int words = t.split("\\s+").length;
    if (words <= 8) {
      out[Signal.VAGUE.ordinal()] = true;
    }
    return out;
  }

  /** Lower case with typographic apostrophes made plain, so one pattern matches both. */
  static String normalise(String text) {
    String t = Normalizer.normalize(text == null ? "" : text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    return t.replace('\u2019', '\'').replace('\u2018', '\'');
  }

  private static String excerpt(String s) {
    return s.length() > 80 ? s.substring(0, 80) : s;
  }

  private static Pattern p(String regex) {
    return Pattern.compile(regex, FLAGS);
  }
}
