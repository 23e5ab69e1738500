#!/usr/bin/env bash
# Per-statement Postgres profile of the full pipeline under the load benchmark mix (see README.md here).
# Needs: the engine built with pg-stat-statements.patch applied, wrk, psql (postgresql-client).
# usage: [WARMUP=20] [SETTLE=0] pg-statements.sh outfile [ENGINE_ENV...]
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd); OUT=$(realpath "$1"); shift
W=$(mktemp -d /tmp/pgstat.XXXX); SECRET=profsecret123456
BENCH_JAR=$ROOT/benchmarks/target/benchmarks.jar
PORT=18181; PGPORT=15433
( cd $W && exec env HTTP_PORT=$PORT PG_EMBEDDED_PORT=$PGPORT DATA_DIR=$W/pgdata MCP_WEBHOOK_SECRET=$SECRET ADMIN_TOKEN=load-admin-token PORTAL_SERVICE_TOKEN=p INGEST_MAX_SKEW=15m KNOWLEDGE_SEED_ENABLED=false "$@" \
  java -Dtmp.statstatements=true -Xms1g -Xmx1g -jar $ROOT/target/supportpilot.jar > $W/engine.log 2>&1 ) &
EP=$!
for i in $(seq 1 240); do curl -fs http://127.0.0.1:$PORT/health >/dev/null 2>&1 && break; sleep 0.5; done
for n in warm single; do java -cp $BENCH_JAR io.supportpilot.bench.load.SignedPool single 400000 1 $SECRET $W/$n.pool $n$RANDOM 2000 40 >/dev/null; done
cd $ROOT/benchmarks/load
wrk -t1 -c64 -d"${WARMUP:-20}s" --timeout 30s -s pool.lua http://127.0.0.1:$PORT/api/webhooks/mcp-error -- $W/warm.pool application/json 0 warmup 1 > $W/warm.txt 2>&1
# SETTLE: seconds for the warm-up storm's tickets and agent answers to finish before the statistics are reset.
sleep "${SETTLE:-0}"
P="psql -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -qAt"
$P -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset(); SELECT pg_stat_reset();" >/dev/null
pgt() { local t=0; for p in $(pgrep -f -- "-D $W/pgdata"); do t=$((t+$(awk '{print $14+$15+$16+$17}' /proc/$p/stat))); for c in $(ps -o pid= --ppid $p); do t=$((t+$(awk '{print $14+$15}' /proc/$c/stat 2>/dev/null||echo 0))); done; done; echo $t; }
JP=$(pgrep -f "supportpilot.jar" | head -1)
e0=$(awk '{print $14+$15}' /proc/$JP/stat); p0=$(pgt)
wrk -t1 -c64 -d20s --timeout 30s -s pool.lua http://127.0.0.1:$PORT/api/webhooks/mcp-error -- $W/single.pool application/json 0 single 1 > $W/single.txt 2>&1
e1=$(awk '{print $14+$15}' /proc/$JP/stat); p1=$(pgt)
{
grep RESULT $W/single.txt | tr ' ' '\n' | grep -E "^(requests|accepted|duration_us|p99_us|duplicates)="
echo "engine_ticks=$((e1-e0)) pg_ticks=$((p1-p0))"
$P -F' | ' -c "SELECT round(total_exec_time::numeric,0) ms, calls, rows, round((total_exec_time/greatest(calls,1))::numeric,3) ms_per_call, left(regexp_replace(query,'\s+',' ','g'),110) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15"
$P -F' | ' -c "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_dead_tup FROM pg_stat_user_tables WHERE n_tup_ins+n_tup_upd>0 ORDER BY n_tup_upd+n_tup_ins DESC LIMIT 10"
$P -c "SELECT count(*) FROM support_conversations" 
curl -s -H 'Authorization: Bearer load-admin-token' http://127.0.0.1:$PORT/metrics | grep -E "^supportpilot_tickets_auto_total|^supportpilot_rules_fired_total|^supportpilot_agent" | head
} > $OUT
kill -TERM $EP; wait $EP; rm -rf $W
