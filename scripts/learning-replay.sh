#!/usr/bin/env bash
# The learning replay (docs/learning.md): measures triage on the held-out half (b) of a labelled question file,
# replays the tuning half (a) as customer conversations resolved by a human with the gold article and rated 5 (or
# escalated), runs the learning jobs, approves what they suggest and measures the held-out half again. Usage:
#   scripts/learning-replay.sh [kb.json] [questions.jsonl]      (default ../shared/eval/kb.json ../shared/eval/dev.jsonl)
# The halves are those of scripts/eval.sh --half a|b.
set -euo pipefail
cd "$(dirname "$0")/.."
kb=$(realpath "${1:-../shared/eval/kb.json}"); questions=$(realpath "${2:-../shared/eval/dev.jsonl}")
# The tools live in benchmarks/tools, outside the engine jar; one reactor builds the engine and them (nothing is
# installed in ~/.m2). SKIP_BUILD=1 reuses what target/ and benchmarks/tools/target/ hold.
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -f benchmarks/tools/reactor.xml -DskipTests package; fi
cp="benchmarks/tools/target/supportpilot-tools.jar:target/supportpilot.jar:target/lib/*"
exec java ${JAVA_OPTS:-} -cp "$cp" io.supportpilot.learning.LearningReplay "$kb" "$questions"
