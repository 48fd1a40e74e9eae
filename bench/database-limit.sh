#!/usr/bin/env bash
# The database's own limit: bench/database-limit.sql (one device request's statements, as a node runs
# them) driven by pgbench as fast as it goes against a database made by `openduis init`, with the
# PostgreSQL server's CPU summed over its processes (the postmaster's reaped children included).
# Prints requests/s and the database's CPU per request; 2 cores / that CPU is what PostgreSQL alone
# would carry on this machine. docs/deployment.md has the figures.
#
#   PG_PORT=54339 bench/database-limit.sh [CLIENTS] [SECONDS]     (default 8 30)
#
# Needs a PostgreSQL server on 127.0.0.1:PG_PORT whose postgres user may create databases (trust
# authentication, as bench/nodes.sh starts one), on this machine (its processes' CPU is read from /proc).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-8}; DURATION=${2:-30}; PG_PORT=${PG_PORT:-54339}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
db=openduis_database_limit
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"; }
psql_ -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
dotnet build -c Release src/OpenDuis.Cli -v q -nologo >/dev/null
data=$(mktemp -d /tmp/openduis-database-limit.XXXXXX)
dotnet src/OpenDuis.Cli/bin/Release/net10.0/openduis.dll init --data "$data/folder" --postgres "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$db" >/dev/null
# The request log and the command queue are made when a node first opens the database: one is started until they are there.
dotnet src/OpenDuis.Cli/bin/Release/net10.0/openduis.dll serve --data "$data/folder" --port 0 --smki-port 0 --no-network --log-level warning >"$data/serve.log" 2>&1 &
serve=$!
for _ in $(seq 1 300); do
  [ "$(psql_ -d "$db" -At -c "SELECT to_regclass('request_log') IS NOT NULL AND to_regclass('device_commands') IS NOT NULL")" = t ] && break; sleep 0.2
done
kill "$serve"; wait "$serve" 2>/dev/null || true

postmaster=$(head -n 1 "$(psql_ -d "$db" -At -c "SHOW data_directory")/postmaster.pid" 2>/dev/null || true)
[ -n "$postmaster" ] || { echo "The PostgreSQL server on port $PG_PORT is not on this machine (its postmaster.pid is unreadable)." >&2; exit 2; }
server_cpu() { # the server's CPU seconds: the postmaster, its live children, and the children it has reaped
  local ticks=0 p
  ticks=$(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] + f[14] + f[15] }' "/proc/$postmaster/stat")
  for p in $(ps -o pid= --ppid "$postmaster"); do
    ticks=$((ticks + $(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}
before=$(server_cpu); load_before=$(cut -d' ' -f1 /proc/loadavg)
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" -f bench/database-limit.sql "$db" >"$data/pgbench.log" 2>&1 \
  || { cat "$data/pgbench.log" >&2; exit 1; }
sleep 1; after=$(server_cpu)
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$data/pgbench.log")
count=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$data/pgbench.log")
latency=$(sed -n 's/^latency average = \(.*\)$/\1/p' "$data/pgbench.log")
echo "$count device requests' database work in ${DURATION} s with $CLIENTS connections: $tps requests/s (latency average $latency)"
awk -v t=$((after - before)) -v n="$count" -v s="$DURATION" 'BEGIN { printf "PostgreSQL CPU %.1f s (%.2f cores): %.0f µs per request; 2 cores / that = %.0f requests/s with the machine to itself\n", t / 100, t / 100 / s, t / 100 * 1e6 / n, 2 / (t / 100 / n) }'
echo "Load average $load_before before, $(cut -d' ' -f1 /proc/loadavg) after (the machine is shared)"
psql_ -d "$db" -At -c "SELECT 'rows: request_log ' || (SELECT count(*) FROM request_log) || ', outbox ' || (SELECT count(*) FROM outbox) || ', device_commands ' || (SELECT count(*) FROM device_commands)"
psql_ -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
rm -rf "$data"
