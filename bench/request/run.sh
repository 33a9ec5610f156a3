#!/usr/bin/env bash
# The request path, measured (BENCH=request bench/run): what one request of a service costs through the pattern
# every service shares (authentication, TenantDb's transaction, ListQuery, JSON), as ratios of a trivial endpoint of
# the same service in the same run, and what the gateway costs as a ratio of the same call made directly.
#
# It starts the suite with the launcher (bin/warden up, agent-service only, a fresh data folder, free ports), seeds
# an organization of BENCH_AGENTS agents, then runs wrk against each endpoint in turn:
#   baseline   GET /q/health/live                     (no authentication, no database)
#   get        GET /v1/agents/{id}
#   list       GET /v1/agents?limit=100               (in the organization of BENCH_AGENTS agents)
#   create     POST /v1/agents                        (last: it grows the organization)
#   gateway    GET /v1/agents/{id} through the gateway, against the same call direct
# Options (environment):
#   BENCH_AGENTS=10000 BENCH_CONNECTIONS=32 BENCH_THREADS=2 BENCH_DURATION=15s BENCH_WARMUP=5s
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
agents="${BENCH_AGENTS:-10000}"
conns="${BENCH_CONNECTIONS:-32}"
threads="${BENCH_THREADS:-2}"
duration="${BENCH_DURATION:-15s}"
warmup="${BENCH_WARMUP:-5s}"
out="$root/bench/request/target"
mkdir -p "$out"
log="$out/request-bench.log"
: > "$log"
say() { echo "$*" | tee -a "$log"; }

command -v wrk >/dev/null || { echo "Installing wrk (Debian package)..." >&2; apt-get install -y wrk >/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

data="$out/warden-data"
rm -rf "$data"
key="wdn_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
gateway_port="$(free_port)"
say "Starting the suite (agent-service only, data $data)..."
WARDEN_DATA_DIR="$data" WARDEN_GATEWAY_PORT="$gateway_port" WARDEN_PG_PORT=0 WARDEN_KAFKA_PORT=0 \
  WARDEN_SERVICE_PORTS=free WARDEN_SERVICES=agent-service WARDEN_BOOTSTRAP_API_KEY="$key" \
  bin/warden up > "$out/launcher.log" 2>&1 &
launcher=$!
stop() { kill -TERM "$launcher" 2>/dev/null || true; wait "$launcher" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 600); do
  grep -q "Warden is ready" "$out/launcher.log" && break
  kill -0 "$launcher" 2>/dev/null || { cat "$out/launcher.log" >&2; exit 1; }
  sleep 1
done
grep -q "Warden is ready" "$out/launcher.log" || { echo "the suite did not start; see $out/launcher.log" >&2; exit 1; }
direct_port="$(sed -n 's/.*agent-service .*(port \([0-9]*\).*/\1/p' "$out/launcher.log" | head -1)"
direct="http://127.0.0.1:$direct_port"
gateway="http://127.0.0.1:$gateway_port"
say "agent-service at $direct, gateway at $gateway"

say "Seeding $agents agents..."
node "$root/bench/request/seed.mjs" "$direct" "$key" "$agents" "$conns" | tee -a "$log"
agent="$(curl -s -H "X-API-Key: $key" "$direct/v1/agents?limit=1" | sed -n 's/.*"agents":\[{"id":"\([^"]*\)".*/\1/p')"
[ -n "$agent" ] || { echo "no agent to read" >&2; exit 1; }

# Runs wrk on a URL (after a warm-up) and prints "rps p50_ms p99_ms".
measure() {
  local url="$1"; shift
  wrk -t"$threads" -c"$conns" -d"$warmup" "$@" "$url" > /dev/null
  wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@" "$url" > "$out/wrk.txt"
  local rps p50 p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")"
  p50="$(awk '$1 == "50%" {print $2}' "$out/wrk.txt")"
  p99="$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")"
  errors="$(awk '/Non-2xx/ {print $5}' "$out/wrk.txt")"
  [ -z "$errors" ] || { echo "wrk saw $errors non-2xx answers for $url" >&2; cat "$out/wrk.txt" >&2; exit 1; }
  echo "$rps $(ms "$p50") $(ms "$p99")"
}
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { say "$(printf '%-34s %9s rps  p50 %7s ms  p99 %7s ms  %s' "$1" $2 "$3")"; }

auth=(-H "X-API-Key: $key")
say ""
say "wrk -t$threads -c$conns -d$duration (after $warmup warm-up), 2 shared cores"
base=($(measure "$direct/q/health/live"));                        row "baseline GET /q/health/live" "${base[*]}" ""
get=($(measure "$direct/v1/agents/$agent" "${auth[@]}"));          row "GET /v1/agents/{id}" "${get[*]}" "ratio $(ratio "${get[0]}" "${base[0]}")"
list=($(measure "$direct/v1/agents?limit=100" "${auth[@]}"));      row "GET /v1/agents?limit=100 ($agents)" "${list[*]}" "ratio $(ratio "${list[0]}" "${base[0]}")"
via=($(measure "$gateway/v1/agents/$agent" "${auth[@]}"));         row "gateway GET /v1/agents/{id}" "${via[*]}" "of direct $(ratio "${via[0]}" "${get[0]}")"
create=($(measure "$direct/v1/agents" "${auth[@]}" -s "$root/bench/request/create.lua")); row "POST /v1/agents" "${create[*]}" "ratio $(ratio "${create[0]}" "${base[0]}")"
say ""
say "get/baseline $(ratio "${get[0]}" "${base[0]}")  list p99 ${list[2]} ms  gateway keeps $(ratio "${via[0]}" "${get[0]}") of direct GET throughput"
