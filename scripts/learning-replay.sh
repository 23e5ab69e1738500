#!/usr/bin/env bash
# The learning replay (docs/learning.md): measures triage on the held-out half (b) of a labelled question file,
# replays the tuning half (a) as customer conversations resolved by a human with the gold article and rated 5 (or
# escalated), runs the learning jobs, approves what they suggest and measures the held-out half again. Usage:
#   scripts/learning-replay.sh [kb.json] [questions.jsonl]      (default ../shared/eval/kb.json ../shared/eval/dev.jsonl)
# The halves are those of scripts/eval.sh --half a|b. SKIP_BUILD=1 reuses target/.
set -euo pipefail
cd "$(dirname "$0")/.."
kb=$(realpath "${1:-../shared/eval/kb.json}"); questions=$(realpath "${2:-../shared/eval/dev.jsonl}")
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -DskipTests package; fi
exec java ${JAVA_OPTS:-} -cp "target/supportpilot.jar:target/lib/*" io.supportpilot.learning.LearningReplay "$kb" "$questions"
