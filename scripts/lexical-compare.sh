#!/usr/bin/env bash
# Lexical engine comparison behind the choice of Lucene (docs/knowledge-and-triage.md): Lucene BM25 vs Postgres
# full-text search (ts_rank, ts_rank_cd) on the same articles and questions. Usage:
#   scripts/lexical-compare.sh ../shared/eval/kb.json ../shared/eval/dev.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
kb=$(realpath "$1"); questions=$(realpath "$2"); shift 2
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -DskipTests package; fi
exec java ${JAVA_OPTS:-} -cp "target/supportpilot.jar:target/lib/*" io.supportpilot.knowledge.LexicalComparison \
  "$kb" "$questions" "$@"
