#!/usr/bin/env bash
# Triage evaluation: loads a knowledge base file into a clean embedded store through the admin API and runs
# labelled questions through POST /api/triage. Usage:
#   scripts/eval.sh ../shared/eval/kb.json ../shared/eval/dev.jsonl [--half a|b] [--verbose]
# Environment variables override configuration as usual, e.g. TRIAGE_SEARCH_MODE=lexical|semantic|hybrid.
set -euo pipefail
cd "$(dirname "$0")/.."
kb=$(realpath "$1"); questions=$(realpath "$2"); shift 2
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -DskipTests package; fi
exec java ${JAVA_OPTS:-} -cp "target/supportpilot.jar:target/lib/*" io.supportpilot.knowledge.TriageEvaluation \
  "$kb" "$questions" "$@"
