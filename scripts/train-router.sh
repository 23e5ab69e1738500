#!/usr/bin/env bash
# Trains the triage router (src/main/resources/triage/router-model.json) from labelled questions: the desk's
# history, the tuning half (a: odd lines) of the dev set, and the routing examples written for this project (none
# taken from ../shared/eval): the escalations of policy probe sets 1 and 2 and written-examples.tsv (DevOps reports
# and answerable questions with their article), all in src/test/resources/triage/. Probe set 3 is never trained on. Each file is first run through POST /api/triage by the
# evaluation command (--dump) so the trainer sees what retrieval finds for each question, exactly as at run time.
#   scripts/train-router.sh [kb.json] [history.jsonl] [dev.jsonl]
# Defaults: ../shared/eval/kb.json ../shared/eval/history.jsonl ../shared/eval/dev.jsonl. The held-out half (b) of
# dev.jsonl is never read. Deterministic (fixed folds, seed and iteration count).
set -euo pipefail
cd "$(dirname "$0")/.."
kb=$(realpath "${1:-../shared/eval/kb.json}")
history=$(realpath "${2:-../shared/eval/history.jsonl}")
dev=$(realpath "${3:-../shared/eval/dev.jsonl}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tools live in benchmarks/tools, outside the engine jar; one reactor builds the engine and them (nothing is
# installed in ~/.m2). SKIP_BUILD=1 reuses what target/ and benchmarks/tools/target/ hold.
if [ "${SKIP_BUILD:-}" != "1" ]; then mvn -B -q -f benchmarks/tools/reactor.xml -DskipTests package; fi
cp="benchmarks/tools/target/supportpilot-tools.jar:target/supportpilot.jar:target/lib/*"
java -cp "$cp" io.supportpilot.knowledge.TriageEvaluation "$kb" "$history" --no-warm --dump "$work/history.jsonl" >/dev/null
java -cp "$cp" io.supportpilot.knowledge.TriageEvaluation "$kb" "$dev" --half a --no-warm --dump "$work/dev-a.jsonl" >/dev/null
awk -f scripts/written-examples.awk src/test/resources/triage/policy-probes-1.tsv \
  src/test/resources/triage/policy-probes-2.tsv src/test/resources/triage/written-examples.tsv > "$work/written-in.jsonl"
java -cp "$cp" io.supportpilot.knowledge.TriageEvaluation "$kb" "$work/written-in.jsonl" --no-warm --dump "$work/written.jsonl" >/dev/null
java -cp "$cp" io.supportpilot.triage.RouterTrainer src/main/resources/triage/router-model.json \
  conf/knowledge-synonyms.txt "$work/history.jsonl" "$work/dev-a.jsonl" "$work/written.jsonl"
echo "rebuild (mvn package) to ship the new model"
