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
#   audit      GET /v1/audit?limit=50 and ?agent_id=..&limit=50 (audit-service, against its own liveness endpoint) in
#              the organization's chain as the runs above left it (at least 10,000 entries), then again at
#              BENCH_AUDIT_ENTRIES (entries added by SQL)
#   soak       only when asked for (BENCH_ONLY=soak): writes (creates, deploys) and reads (the agent list, one agent,
#              the audit log, one agent's audit page) at a fixed rate for BENCH_SOAK_SECONDS, read and write p99 per
#              window and the last window's as a ratio of the first's (bench/request/soak.mjs)
# Options (environment):
#   BENCH_AGENTS=10000 BENCH_CONNECTIONS=32 BENCH_THREADS=2 BENCH_DURATION=15s BENCH_WARMUP=10s
#   BENCH_WARMUP_ROUNDS=6   warm-up rounds of BENCH_WARMUP per endpoint at most, until its rate steadies (bench/common/suite.sh)
#   BENCH_ONLY=get,list,gateway,create,audit   a subset (the baseline always runs)
#   BENCH_AUDIT_ENTRIES=1000000
#   BENCH_SOAK_SECONDS=720 BENCH_SOAK_WINDOW=60 BENCH_SOAK_WARMUP=30 BENCH_SOAK_WRITES=40 BENCH_SOAK_READS=60 (per second)
#   BENCH_KEEP=1          keep the data folder of the last run (and its agents) instead of starting afresh
#   WARDEN_SERVICE_JAVA_OPTS  the services' JVM options (the launcher's default otherwise)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
agents="${BENCH_AGENTS:-10000}"
conns="${BENCH_CONNECTIONS:-32}"
threads="${BENCH_THREADS:-2}"
duration="${BENCH_DURATION:-15s}"
warmup="${BENCH_WARMUP:-10s}"
out="$root/bench/request/target"
mkdir -p "$out"
log="$out/request-bench.log"
: > "$log"
. "$root/bench/common/suite.sh"

need_wrk

data="$out/warden-data"
only="${BENCH_ONLY:-get,list,gateway,create,audit}"
wants() { [[ ",$only," == *",$1,"* ]]; }
if [ "${BENCH_KEEP:-0}" != 1 ] || [ ! -f "$out/bench-key" ]; then
  rm -rf "$data"
  echo "wdn_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$out/bench-key"
fi
key="$(cat "$out/bench-key")"
with_audit() { wants audit || wants soak; }
say "Starting the suite (agent-service$(with_audit && echo ' and audit-service'), data $data)..."
start_suite "$data" "$key" "agent-service$(with_audit && echo ,audit-service)"
direct_port="$(port_of agent-service)"
direct="http://127.0.0.1:$direct_port"
audit_port="$(port_of audit-service)"
pg_port="$(port_of PostgreSQL)"
gateway="http://127.0.0.1:$gateway_port"
say "agent-service at $direct, gateway at $gateway"

have="$(curl -s -H "X-API-Key: $key" "$direct/v1/agents?limit=1" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"
if [ "${have:-0}" -lt "$agents" ]; then
  say "Seeding $((agents - ${have:-0})) agents..."
  node "$root/bench/request/seed.mjs" "$direct" "$key" "$((agents - ${have:-0}))" "$conns" | tee -a "$log"
fi
agent="$(curl -s -H "X-API-Key: $key" "$direct/v1/agents?limit=1" | sed -n 's/.*"agents":\[{"id":"\([^"]*\)".*/\1/p')"
[ -n "$agent" ] || { echo "no agent to read" >&2; exit 1; }

# Runs wrk on a URL (after a warm-up) and prints "rps p50_ms p99_ms". The measured run goes through bench/common/cpu.py:
# $out/cpu.txt then holds the CPU the JVMs in $jvms (the service's; for the gateway the launcher's too), PostgreSQL, wrk
# and the rest of the machine used meanwhile, in cores; cpu_per_request turns it into µs per request.
measure() {
  local url="$1"; shift
  wrk -t"$threads" -c"$conns" -d"$warmup" "$@" "$url" > /dev/null
  python3 "$root/bench/common/cpu.py" "$out/cpu.txt" "$jvms" "$postmaster" -- \
    wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@" "$url" > "$out/wrk.txt"
  local rps p50 p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt")"
  p50="$(awk '$1 == "50%" {print $2}' "$out/wrk.txt")"
  p99="$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")"
  errors="$(awk '/Non-2xx/ {print $5}' "$out/wrk.txt")"
  [ -z "$errors" ] || { echo "wrk saw $errors non-2xx answers for $url" >&2; cat "$out/wrk.txt" >&2; exit 1; }
  echo "$rps $(ms "$p50") $(ms "$p99")"
}
# "JVM a + PostgreSQL b + wrk c µs per request, others d cores" from $out/cpu.txt and the rate in $1; for the gateway
# row a is the service's and the launcher's JVMs, each also shown alone.
cpu_per_request() {
  awk -v rps="$1" '{ printf "%.0f + %.0f + %.0f µs/req, others %.2f cores", $1 * 1e6 / rps, $2 * 1e6 / rps, $3 * 1e6 / rps, $4
    if (NF >= 8) printf " (service %.0f + launcher %.0f µs/req)", $7 * 1e6 / rps, $8 * 1e6 / rps }' "$out/cpu.txt"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { say "$(printf '%-34s %9s rps  p50 %7s ms  p99 %7s ms  %-22s %s' "$1" $2 "$3" "$(cpu_per_request "${2%% *}")")"; }

auth=(-H "X-API-Key: $key")
service_pid="$(pgrep -f "$root/agent-service/target/quarkus-app/quarkus-run.jar" | head -1)"
launcher_pid="$launcher" # bin/warden execs the launcher's JVM
postmaster="$(head -1 "$data/postgres/postmaster.pid")"
jvms="$service_pid"
# The JIT compiles the request path while it runs: warm every endpoint first, so the first measured is not the coldest.
say "Warming up every endpoint measured..."
warm=("$direct/q/health/live" "$direct/v1/agents/$agent")
if wants list; then warm+=("$direct/v1/agents?limit=100"); fi
if wants gateway; then warm+=("$gateway/v1/agents/$agent"); fi
for url in "${warm[@]}"; do
  label="${url#"$direct"}"; [ "$label" != "$url" ] || label="through the gateway ${url#"$gateway"}"
  warm_until_steady "$label" 0 -t"$threads" -c"$conns" "${auth[@]}" "$url"
done
say ""
say "wrk -t$threads -c$conns -d$duration (after $warmup warm-up), 2 shared cores"
base=($(measure "$direct/q/health/live"));                        row "baseline GET /q/health/live" "${base[*]}" ""
get=(0 0 0); list=(0 0 0); via=(0 0 0)
if wants get || wants gateway; then
  get=($(measure "$direct/v1/agents/$agent" "${auth[@]}"));        row "GET /v1/agents/{id}" "${get[*]}" "ratio $(ratio "${get[0]}" "${base[0]}")"
fi
if wants list; then
  list=($(measure "$direct/v1/agents?limit=100" "${auth[@]}"));    row "GET /v1/agents?limit=100 ($agents)" "${list[*]}" "ratio $(ratio "${list[0]}" "${base[0]}")"
fi
if wants gateway; then
  jvms="$service_pid,$launcher_pid" # the gateway runs in the launcher's JVM
  via=($(measure "$gateway/v1/agents/$agent" "${auth[@]}"));       row "gateway GET /v1/agents/{id}" "${via[*]}" "of direct $(ratio "${via[0]}" "${get[0]}")"
fi
if wants create; then
  jvms="$service_pid"
  create=($(measure "$direct/v1/agents" "${auth[@]}" -s "$root/bench/request/create.lua")); row "POST /v1/agents" "${create[*]}" "ratio $(ratio "${create[0]}" "${base[0]}")"
fi

if wants audit; then
  command -v psql >/dev/null || [ -x /usr/lib/postgresql/15/bin/psql ] || apt-get install -y postgresql-client >/dev/null
  psql_bin="$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)"
  sql() { PGPASSWORD="$(cat "$data/secrets/postgres-superuser-password")" "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d warden_audit -qtA -c "$1"; }
  audit="http://127.0.0.1:$audit_port"
  org="$(curl -s -H "X-API-Key: $key" "$direct/v1/agents/$agent" | sed -n 's/.*"org_id":"\([^"]*\)".*/\1/p')"
  # Entries that audit-service has not chained yet would race with the ones added below: wait for the head to settle.
  head=-1; now="$(sql "SELECT coalesce(max(sequence), 0) FROM audit_chain_heads WHERE org_id = '$org'")"
  while [ "$head" != "$now" ]; do head="$now"; sleep 3; now="$(sql "SELECT coalesce(max(sequence), 0) FROM audit_chain_heads WHERE org_id = '$org'")"; done
  # Grows the organization's chain to $1 entries by SQL (actions of 1,000 agents; hashes are not checked by a list),
  # moving its head and publication watermark so that nothing else does work meanwhile.
  grow() {
    local to="$1" from
    from="$(sql "SELECT sequence FROM audit_chain_heads WHERE org_id = '$org'")"
    [ "$from" -lt "$to" ] || return 0
    say "Adding $((to - from)) audit entries by SQL..."
    sql "INSERT INTO audit_entries (org_id, sequence, event_id, event_type, agent_id, actor, action_type, connector, status,
           metadata, occurred_at, recorded_at, prev_hash, hash)
         SELECT '$org', s, gen_random_uuid(), 'dev.warden.agent.action.v1', 'bench-agent-' || (s % 1000), 'bench',
           'issues:create', 'jira', 'success', '{}', now(), now(), 'bench', 'bench'
         FROM generate_series($from + 1, $to) s;
         UPDATE audit_chain_heads SET sequence = $to, hash = 'bench' WHERE org_id = '$org';
         UPDATE audit_publication SET published_sequence = $to WHERE org_id = '$org';
         ANALYZE audit_entries;"
  }
  audit_rows() {
    local size base page filtered
    jvms="$(pgrep -f "$root/audit-service/target/quarkus-app/quarkus-run.jar" | head -1)"
    size="$(sql "SELECT sequence FROM audit_chain_heads WHERE org_id = '$org'")"
    base=($(measure "$audit/q/health/live"))
    page=($(measure "$audit/v1/audit?limit=50" "${auth[@]}"))
    filtered=($(measure "$audit/v1/audit?agent_id=$agent&limit=50" "${auth[@]}"))
    row "audit baseline GET /q/health/live" "${base[*]}" "($size entries)"
    row "GET /v1/audit?limit=50" "${page[*]}" "ratio $(ratio "${page[0]}" "${base[0]}")"
    row "GET /v1/audit?agent_id=..&limit=50" "${filtered[*]}" "ratio $(ratio "${filtered[0]}" "${base[0]}")"
  }
  say ""
  grow 10000
  audit_rows
  grow "${BENCH_AUDIT_ENTRIES:-1000000}"
  audit_rows
fi

if wants soak; then
  soak_seconds="${BENCH_SOAK_SECONDS:-720}" soak_window="${BENCH_SOAK_WINDOW:-60}" soak_warmup="${BENCH_SOAK_WARMUP:-30}"
  soak_writes="${BENCH_SOAK_WRITES:-40}" soak_reads="${BENCH_SOAK_READS:-60}"
  say ""
  say "Soak: $soak_writes writes/s and $soak_reads reads/s for $soak_seconds s after $soak_warmup s unrecorded, per $soak_window s (ms from when each request was due)"
  node "$root/bench/request/soak.mjs" "$direct" "http://127.0.0.1:$audit_port" "$key" "$soak_warmup" "$soak_seconds" \
    "$soak_window" "$soak_writes" "$soak_reads" | tee -a "$log"
fi
