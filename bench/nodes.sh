#!/usr/bin/env bash
# Several `openduis serve` nodes on one PostgreSQL behind HAProxy, driven by the load generator
# through the balancer: for each node count, a fresh database, N nodes started at the same moment,
# HAProxy round robin with health checks on /health, then bench/OpenDuis.LoadGen --url. Prints the
# load generator's figures (requests/s, p99, the nodes' CPU per request, what the database did per
# request) and the machine's load average with each. docs/deployment.md, "What the single database
# carries", has the figures and how to read them.
#
#   bench/nodes.sh [NODE_COUNTS...]         (default: 1 2 3)
#
# Environment (all optional):
#   PROFILE=dev|duis   dev: plain HTTP, HAProxy in http mode; duis: TLS passed through as TCP (default dev)
#   NETWORK=on|off     on: the emulated SM WAN answers device requests and the Service Responses are
#                      delivered to the load generator (the full path); off: --no-network (default on)
#   REQUESTS=N WARMUP=N CONCURRENCY=C LOAD_SECONDS=S   the load generator's (default 20000 5000 32 30)
#   PG="Host=…;Port=…;Username=…"   an existing PostgreSQL server (its user may create databases);
#                      otherwise one is started here on PGPORT (default 54339) with pg_stat_statements
#                      preloaded, fsync on, and stopped at the end
#   OUT=DIR            where the logs go (default a fresh /tmp/openduis-nodes.XXXXXX)
#   KEEP=1             leave each run's database (openduis_nodes_N) for a look at it afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
COUNTS=("$@"); [ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 2 3)
PROFILE=${PROFILE:-dev}; NETWORK=${NETWORK:-on}
REQUESTS=${REQUESTS:-20000}; WARMUP=${WARMUP:-5000}; CONCURRENCY=${CONCURRENCY:-32}; LOAD_SECONDS=${LOAD_SECONDS:-30}
OUT=${OUT:-$(mktemp -d /tmp/openduis-nodes.XXXXXX)}; mkdir -p "$OUT"
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$HAPROXY" ] || { echo "HAProxy is needed: apt-get install haproxy" >&2; exit 2; }

dotnet build -c Release src/OpenDuis.Cli -v q -nologo >/dev/null
dotnet build -c Release bench/OpenDuis.LoadGen -v q -nologo >/dev/null
OPENDUIS="$ROOT/src/OpenDuis.Cli/bin/Release/net10.0/openduis.dll"
LOADGEN="$ROOT/bench/OpenDuis.LoadGen/bin/Release/net10.0/OpenDuis.LoadGen.dll"

STARTED=()
cleanup() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${PGDATA_:-}" ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_" -m fast stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if [ -z "${PG:-}" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PGPORT=${PGPORT:-54339}
  PGDATA_=$(mktemp -d /tmp/openduis-nodes-pg.XXXXXX); chown postgres:postgres "$PGDATA_"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA_" -U postgres --auth=trust -E UTF8 >/dev/null
  # Production-like durability (fsync and synchronous commit on); statements recorded for the figures.
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_" -l "$PGDATA_/server.log" -w -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA_ \
    -c max_connections=300 -c shared_buffers=512MB -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all \
    -c track_io_timing=on" start >/dev/null
  PG="Host=127.0.0.1;Port=$PGPORT;Username=postgres"
fi
psql_() { # psql_ DATABASE SQL
  local host port user
  host=$(sed -n 's/.*Host=\([^;]*\).*/\1/p' <<<"$PG"); port=$(sed -n 's/.*Port=\([^;]*\).*/\1/p' <<<"$PG"); user=$(sed -n 's/.*Username=\([^;]*\).*/\1/p' <<<"$PG")
  PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "${port:-5432}" -U "${user:-postgres}" -d "$1" -c "$2"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_health() { # wait_health URL [CURL_ARGS...]
  for _ in $(seq 1 300); do curl -fsk "${@:2}" "$1/health" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "no answer from $1/health" >&2; return 1
}

for n in "${COUNTS[@]}"; do
  db="openduis_nodes_$n"
  psql_ postgres "DROP DATABASE IF EXISTS $db" >/dev/null; psql_ postgres "CREATE DATABASE $db"
  psql_ "$db" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" 2>/dev/null || echo "(no pg_stat_statements in $db)"
  data="$OUT/data-$n"; rm -rf "$data"
  dotnet "$OPENDUIS" init --data "$data" --postgres "$PG;Database=$db" >"$OUT/init-$n.log"
  extra=(--log-level warning --smki-port 0)
  [ "$NETWORK" = on ] || extra+=(--no-network)
  scheme=http; curl_args=()
  if [ "$PROFILE" = duis ]; then
    extra+=(--profile duis --console-port 0); scheme=https
    dccki="$data/dccki"
    curl_args=(--cacert "$dccki/dccki-ca.pem" --cert "$dccki/dsp-client.pem" --key "$dccki/dsp-client.key" --tls-max 1.2 --ciphers AES128-GCM-SHA256)
  fi
  ports=(); pids=()
  for i in $(seq 1 "$n"); do ports+=("$(free_port)"); done
  # Started at the same moment (the schema work waits on the database's advisory lock). On the duis
  # profile the first node makes the demo DCCKI in the data folder, so the others start after it.
  for i in $(seq 1 "$n"); do
    dotnet "$OPENDUIS" serve --data "$data" --port "${ports[$((i-1))]}" --node "node$i" "${extra[@]}" >"$OUT/node$i-$n.log" 2>&1 &
    pids+=($!); STARTED+=($!)
    if [ "$PROFILE" = duis ] && [ "$i" = 1 ]; then wait_health "$scheme://127.0.0.1:${ports[0]}" "${curl_args[@]}"; fi
  done
  for p in "${ports[@]}"; do wait_health "$scheme://127.0.0.1:$p" "${curl_args[@]}"; done

  front=$(free_port); cfg="$OUT/haproxy-$n.cfg"
  servers=""
  if [ "$PROFILE" = duis ]; then
    # The health check speaks the duis profile itself: TLS 1.2, the one suite, the DSP's DCCKI client certificate.
    check="$data/haproxy-check.pem"; (umask 077; cat "$dccki/dsp-client.pem" "$dccki/dsp-client.key" >"$check")
    for i in $(seq 1 "$n"); do
      servers+="    server node$i 127.0.0.1:${ports[$((i-1))]} check inter 500ms fall 2 rise 1 check-ssl crt $check ca-file $dccki/dccki-ca.pem verify required verifyhost localhost check-sni localhost ciphers AES128-GCM-SHA256 ssl-max-ver TLSv1.2"$'\n'
    done
    mode="mode tcp"
  else
    for i in $(seq 1 "$n"); do servers+="    server node$i 127.0.0.1:${ports[$((i-1))]} check inter 500ms fall 2 rise 1"$'\n'; done
    mode="mode http"
  fi
  cat >"$cfg" <<EOF
global
    maxconn 4096
defaults
    $mode
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend duis
    bind 127.0.0.1:$front
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /health
$servers
EOF
  "$HAPROXY" -db -f "$cfg" >"$OUT/haproxy-$n.log" 2>&1 &
  balancer=$!; STARTED+=($balancer)
  sleep 2; wait_health "$scheme://127.0.0.1:$front" "${curl_args[@]}"

  echo "== $n node(s), $PROFILE profile, network $NETWORK; $(uptime)" | tee "$OUT/loadgen-$n.log"
  dotnet "$LOADGEN" --url "$scheme://127.0.0.1:$front/" --data "$data" --node-pids "$(IFS=,; echo "${pids[*]}")" --balancer-pid "$balancer" \
    --requests "$REQUESTS" --warmup "$WARMUP" --concurrency "$CONCURRENCY" --seconds "$LOAD_SECONDS" 2>&1 | tee -a "$OUT/loadgen-$n.log"
  echo "   $(uptime)" | tee -a "$OUT/loadgen-$n.log"

  kill "$balancer" "${pids[@]}" 2>/dev/null || true
  wait "$balancer" "${pids[@]}" 2>/dev/null || true
  [ "${KEEP:-}" = 1 ] || psql_ postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
done
echo "Logs in $OUT"
