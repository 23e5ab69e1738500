#!/usr/bin/env bash
# Audits the hand-written cues of the triage policy (EscalationRules: hard rules, malfunction cues, soft signals):
# every choice of every alternation is tried on its own and counted on the desk's history, the routing examples written
# for this project (src/test/resources/triage/*.tsv) and the two halves of the dev set. It lists the cues that fire on
# dev questions only (on nothing trained on and on no written example), which may have been copied from them.
#   scripts/cue-audit.sh [history.jsonl] [dev.jsonl] [--all]
# Defaults: ../shared/eval/history.jsonl ../shared/eval/dev.jsonl. --all lists every cue with its counts.
set -euo pipefail
cd "$(dirname "$0")/.."
history=$(realpath "${1:-../shared/eval/history.jsonl}")
dev=$(realpath "${2:-../shared/eval/dev.jsonl}")
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -f benchmarks/tools/reactor.xml -DskipTests package; fi
cp="benchmarks/tools/target/supportpilot-tools.jar:target/supportpilot.jar:target/lib/*"
exec java -cp "$cp" io.supportpilot.triage.CueAudit "$history" "$dev" src/test/resources/triage/*.tsv "${@:3}"
