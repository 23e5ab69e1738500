#!/usr/bin/env bash
# Triage evaluation: loads a knowledge base file into a clean embedded store through the admin API and runs
# labelled questions through POST /api/triage. Usage:
#   scripts/eval.sh ../shared/eval/kb.json ../shared/eval/dev.jsonl [--half a|b] [--categories ids.json]
#       [--verbose] [--dump out.jsonl] [--no-warm]
# --half a = odd lines (tuning half, used to train the router with history.jsonl), b = even lines (held out).
# The held-out figure: scripts/eval.sh ../shared/eval/kb.json ../shared/eval/dev.jsonl --half b \
#   --categories scripts/eval-categories-dev.json
# Environment variables override configuration as usual, e.g. TRIAGE_SEARCH_MODE=lexical|semantic|hybrid.
#   scripts/eval.sh --lexical-engines ../shared/eval/kb.json ../shared/eval/dev.jsonl
# instead measures Lucene BM25 against Postgres full-text search on the same questions (why search uses Lucene).
set -euo pipefail
cd "$(dirname "$0")/.."
main=io.supportpilot.knowledge.TriageEvaluation
if [ "${1:-}" = "--lexical-engines" ]; then main=io.supportpilot.knowledge.LexicalComparison; shift; fi
kb=$(realpath "$1"); questions=$(realpath "$2"); shift 2
# The tools live in benchmarks/tools, outside the engine jar; one reactor builds the engine and them (nothing is
# installed in ~/.m2). SKIP_BUILD=1 reuses what target/ and benchmarks/tools/target/ hold.
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -f benchmarks/tools/reactor.xml -DskipTests package; fi
cp="benchmarks/tools/target/supportpilot-tools.jar:target/supportpilot.jar:target/lib/*"
exec java ${JAVA_OPTS:-} -cp "$cp" "$main" "$kb" "$questions" "$@"
