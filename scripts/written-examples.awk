# Turns the written routing examples (label<TAB>language<TAB>question; see src/test/resources/triage/) into the
# labelled-question form of the evaluation command. Labels: a policy category or "human" (a person's decision),
# devops, auto:<article slug> (the article answers it), suggest:<article slug> (the article helps in part, or the
# question is vague); "none" (a question no rule may escalate, with no article) is left out.
BEGIN { FS = "\t" }
NF >= 3 && $1 != "none" {
  text = $3; gsub(/\\/, "\\\\", text); gsub(/"/, "\\\"", text)
  route = "escalate"; esc = "human"; article = "null"
  if ($1 == "devops") { esc = "devops" }
  else if ($1 ~ /^auto:/) { route = "auto_respond"; esc = "none"; article = "\"" substr($1, 6) "\"" }
  else if ($1 ~ /^suggest:/) { route = "suggest_articles"; esc = "none"; article = "\"" substr($1, 9) "\"" }
  printf "{\"id\": \"written-%s-%03d\", \"lang\": \"%s\", \"subject\": \"\", \"body\": \"%s\", \"error_code\": null, \"gold_article\": %s, \"gold_route\": \"%s\", \"gold_escalation\": \"%s\"}\n", FILENAME ~ /probes-1/ ? "p1" : FILENAME ~ /probes-2/ ? "p2" : "x", FNR, $2, text, article, route, esc
}
