#!/usr/bin/env bash
# Postgres ceiling for the error log (issue 3): how many rows per second the engine's embedded Postgres can commit
# into support_error_log on this machine when it has the machine to itself, with nothing else running (no HTTP, no
# engine work, no load generator). Every webhook event becomes one such row, so this bounds the durable events/s
# of the whole engine from above.
#  1. starts the engine on a fresh embedded Postgres in a temp folder (migrations give the real schema: the
#     unique (source, event_id) key, the primary key and the secondary indexes), with no HTTP load,
#  2. runs pgbench with one multi-row INSERT per transaction shaped like the writer's group commit
#     (ON CONFLICT (source, event_id) DO NOTHING RETURNING, synchronous commit, rows of realistic sizes: message
#     ~110 B, stack ~560 B, JSONB context ~150 B, random event ids, 2,000 users, 300 fingerprints),
#     for BATCH rows per statement and 1, 2 and 4 clients, DURATION seconds each,
#  3. prints rows/s per client count and the CPU time Postgres spent per row (postmaster and backends, utime +
#     stime from /proc: robust on a busy machine, unlike rows/s), stops the engine and deletes the temp folder.
# Needs: java 17+, pgbench and psql (Debian package postgresql-client), curl, python3; the engine jar
# (mvn -DskipTests package). Knobs: DURATION (15), BATCH (256), CLIENTS ("1 2 4"), PRE_SQL (SQL run once before,
# e.g. to try another index: PRE_SQL="DROP INDEX idx_error_log_created"), ENGINE_ENV (engine settings, e.g.
# "PG_DURABILITY=off" to see what fsync costs).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DURATION=${DURATION:-15}
BATCH=${BATCH:-256}
CLIENTS=${CLIENTS:-"1 2 4"}
WORK=$(mktemp -d /tmp/supportpilot-pgceiling.XXXXXX)
ENGINE_PID=""
command -v pgbench >/dev/null || { echo "pgbench is not installed (apt-get install postgresql-client)"; exit 1; }

cleanup() {
  set +e
  if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
    kill -TERM "$ENGINE_PID"; for _ in $(seq 1 120); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.5; done
  fi
  for pid in $(pgrep -f -- "-D $WORK/pgdata" 2>/dev/null || true); do kill -INT "$pid" 2>/dev/null || true; done
  sleep 1
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT=$(free_port); PGPORT=$(free_port)
( cd "$WORK" && exec env HTTP_PORT="$PORT" PG_EMBEDDED_PORT="$PGPORT" DATA_DIR="$WORK/pgdata" ADMIN_TOKEN=x \
    KNOWLEDGE_SEED_ENABLED=false ${ENGINE_ENV:-} java -jar "$ROOT/target/supportpilot.jar" > "$WORK/engine.log" 2>&1 ) &
ENGINE_PID=$!
for _ in $(seq 1 240); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$ENGINE_PID" 2>/dev/null || { echo "engine died:"; tail -30 "$WORK/engine.log"; exit 1; }
  sleep 0.5
done

cat > "$WORK/insert.sql" <<EOF
INSERT INTO support_error_log (source, event_id, user_id, connection_id, tool, error_type, error_code, status_code,
  level, message, stack, context, fingerprint, occurred_at, ticket_id)
SELECT 'mcp', md5(random()::text || g::text), 'user-' || (random() * 2000)::int, 'conn-' || (g % 50),
  'list_invoices', 'ExactApiError' || (g % 30), 'E_RATE_LIMIT', 429, 'error',
  'Request to Exact Online failed with status 429 for division 123456 after 3 retries: too many requests ' || g,
  repeat('at Object.handler (/app/dist/tools/invoices.js:120:15)' || chr(10), 10),
  ('{"division": 123456, "endpoint": "/api/v1/123456/salesinvoice/SalesInvoices", "attempt": 3, "request_id": "'
    || md5(g::text) || '"}')::jsonb,
  md5((g % 300)::text), now(), NULL
FROM generate_series(1, $BATCH) g
ON CONFLICT (source, event_id) DO NOTHING RETURNING source, event_id;
EOF

CLK_TCK=$(getconf CLK_TCK)
pg_ticks() { # CPU ticks of the embedded Postgres: the postmaster (with the children it reaped) and its live children
  local total=0 p c
  for p in $(pgrep -f -- "-D $WORK/pgdata" 2>/dev/null || true); do
    total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null || true); do
      total=$((total + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}
export PGPASSWORD=postgres
if [ -n "${PRE_SQL:-}" ]; then psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$PRE_SQL" postgres; fi
echo "== Postgres ceiling of support_error_log ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at start):"\
  "$BATCH rows per statement${PRE_SQL:+, after: $PRE_SQL}"
for c in $CLIENTS; do
  psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "TRUNCATE support_error_log" postgres
  lsn=$(psql -qtA -h 127.0.0.1 -p "$PGPORT" -U postgres -c "SELECT pg_current_wal_lsn()" postgres)
  t0=$(pg_ticks)
  tps=$(pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -n -f "$WORK/insert.sql" -c "$c" -T "$DURATION" postgres 2>&1 \
    | awk '/^tps/ {print $3}')
  t1=$(pg_ticks)
  rows=$(awk -v t="$tps" -v b="$BATCH" 'BEGIN{printf "%.0f", t*b}')
  stored=$(psql -qtA -h 127.0.0.1 -p "$PGPORT" -U postgres -c "SELECT count(*) FROM support_error_log" postgres)
  # WAL and index bytes per row do not depend on how busy the machine is: the cost of each index, measured.
  read -r wal idx < <(psql -qtA -F ' ' -h 127.0.0.1 -p "$PGPORT" -U postgres -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(),
    '$lsn')::bigint / greatest(count(*), 1), pg_indexes_size('support_error_log') / greatest(count(*), 1)
    FROM support_error_log" postgres)
  us=$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$stored" 'BEGIN{printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0)}')
  echo "clients $c: $tps statements/s = $rows rows/s; Postgres $us us per row (CPU, $stored rows); WAL $wal bytes" \
    "and index $idx bytes per row"
done
