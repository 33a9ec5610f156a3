#!/usr/bin/env bash
# registry-service, measured (BENCH=registry bench/run; docs/benchmarks.md, section 6):
#  (a) GET /v1/registry (seed 000, the default answer: every agent) for an organization of BENCH_AGENTS agents with
#      BENCH_ENTRIES audit entries behind the counts, against a static JSON answer of the same bytes from the same
#      service (StaticJsonBaselineResource, enabled only by WARDEN_BENCH_STATIC_JSON), same run: wrk's maximum rate
#      and p99 for both and their ratio; the same answer read and rendered on every request (a cursor before the
#      first agent, never kept); then the registry at half its maximum rate, paced (FixedRateLoad, open loop), and the
#      static answer at the same rate with the same client;
#  (b) freshness at each of BENCH_RATES events/s: per audit entry, from when it was due to be sent until the registry
#      had committed it, against the broker's own end-to-end latency for the same entries (a plain consumer of the same
#      topic with the registry's consumer settings), and the difference.
#
# It starts the suite with the launcher (agent-service for the organization and its key, registry-service; fresh data
# folder, free ports), creates the agents through agent-service's API (the registry learns them from
# warden.agents.v1), publishes the audit entries on warden.audit.v1 as audit-service's principal (RegistryBench seed),
# and waits until the registry has counted them all.
# Options (environment):
#   BENCH_AGENTS=1000 BENCH_ENTRIES=1000000 BENCH_CONNECTIONS=16 BENCH_THREADS=2 BENCH_DURATION=15s BENCH_WARMUP=10s
#   BENCH_RATES="1000 10000"  BENCH_FRESH_DURATION=20 BENCH_FRESH_WARMUP=5 (seconds, per rate)
#   BENCH_ONLY=read,paced,freshness   a subset
#   BENCH_PACED_ALSO="1000 2500"      further paced rates (registry and static), beside half the maximum
#   BENCH_KEEP=1    keep the data folder of the last run (its agents and entries) instead of starting afresh
#   WARDEN_SERVICE_JAVA_OPTS  the services' JVM options (the launcher's default otherwise)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
JAVA_HOME="$(bin/jdk)"
export JAVA_HOME
agents="${BENCH_AGENTS:-1000}"
entries="${BENCH_ENTRIES:-1000000}"
conns="${BENCH_CONNECTIONS:-16}"
threads="${BENCH_THREADS:-2}"
duration="${BENCH_DURATION:-15s}"
warmup="${BENCH_WARMUP:-10s}"
rates="${BENCH_RATES:-1000 10000}"
only="${BENCH_ONLY:-read,paced,freshness}"
wants() { [[ ",$only," == *",$1,"* ]]; }
out="$root/bench/registry/target"
mkdir -p "$out"
log="$out/registry-bench.log"
: > "$log"; : > "$out/launcher.log"
. "$root/bench/common/suite.sh"
need_wrk

# The services as the tree has them (the launcher would build the whole suite), then the bench against the libraries
# just installed (LocalKafka.attach is what the bench uses to act as audit-service's principal).
echo "Building agent-service, registry-service and the bench..." >&2
./mvnw -B -q install -DskipTests -DnoBench -pl libs/warden-test-support,agent-service,registry-service -am
./mvnw -B -q -f bench/pom.xml package -DskipTests -pl registry -am

data="$out/warden-data"
if [ "${BENCH_KEEP:-0}" != 1 ] || [ ! -f "$out/bench-key" ]; then
  rm -rf "$data"
  echo "wdn_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$out/bench-key"
fi
key="$(cat "$out/bench-key")"
static="$out/static.json"
rm -f "$static"
say "Starting the suite (agent-service, registry-service; data $data)..."
start_suite "$data" "$key" "agent-service,registry-service" WARDEN_BENCH_STATIC_JSON="$static"
agent="http://127.0.0.1:$(port_of agent-service)"
registry="http://127.0.0.1:$(port_of registry-service)"
export BENCH_ROOT="$root" BENCH_DATA="$data" BENCH_KAFKA_PORT="$(port_of Kafka)" BENCH_PG_PORT="$(port_of PostgreSQL)" \
  BENCH_REGISTRY="$registry" BENCH_KEY="$key" BENCH_AGENTS_FILE="$out/agents.txt"
say "agent-service at $agent, registry-service at $registry"
auth=(-H "X-API-Key: $key")
registry_total() { curl -s "${auth[@]}" "$registry/v1/registry?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("total", 0))' 2>/dev/null || echo 0; }

have="$(curl -s "${auth[@]}" "$agent/v1/agents?limit=1" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')"
if [ "${have:-0}" -lt "$agents" ]; then
  say "Creating $((agents - ${have:-0})) agents through agent-service's API..."
  node "$root/bench/request/seed.mjs" "$agent" "$key" "$((agents - ${have:-0}))" 16 | tee -a "$log"
fi
for _ in $(seq 1 300); do [ "$(registry_total)" -ge "$agents" ] && break; sleep 1; done
[ "$(registry_total)" -ge "$agents" ] || { echo "the registry did not learn the $agents agents" >&2; exit 1; }
curl -s "${auth[@]}" "$registry/v1/registry" > "$out/registry.json"
python3 - "$out/registry.json" "$out/agents.txt" "$out/org.txt" <<'PY'
import json, sys
answer = json.load(open(sys.argv[1]))
open(sys.argv[2], "w").write("".join(a["id"] + "\n" for a in answer["agents"]))
PY
export BENCH_ORG="$(curl -s "${auth[@]}" "$agent/v1/agents?limit=1" | sed -n 's/.*"org_id":"\([^"]*\)".*/\1/p')"
[ -n "$BENCH_ORG" ] || { echo "no organization id" >&2; exit 1; }

bench_java() {
  "$JAVA_HOME/bin/java" -Xms512m -Xmx1g -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -cp "$root/bench/registry/target/classes:$root/bench/registry/target/lib/*" dev.warden.bench.registry.RegistryBench "$@"
}
say "Publishing audit entries up to $entries (organization $BENCH_ORG, $agents agents)..."
bench_java seed "$entries" | tee -a "$log"

# The answer a seed-000 client gets (no limit: every agent), and the static copy of its bytes.
curl -s "${auth[@]}" "$registry/v1/registry" > "$static"
counted="$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(len(a["agents"]), sum(x["audit_action_count"] for x in a["agents"]))' "$static")"
size="$(stat -c %s "$static")"
say "GET /v1/registry: $size bytes, agents and audit entries counted: $counted"
[ "$(curl -s -o /dev/null -w '%{size_download}' "$registry/bench/static-json")" = "$size" ] \
  || { echo "the static baseline does not answer the same bytes" >&2; exit 1; }
start="$(printf 't0:00000000-0000-0000-0000-000000000000' | base64 -w0 | tr '+/' '-_' | tr -d '=')"
cmp -s "$static" <(curl -s "${auth[@]}" "$registry/v1/registry?cursor=$start") \
  || { echo "the answer read from a cursor before the first agent differs from the default one" >&2; exit 1; }

# Runs wrk on a URL (after a warm-up) and prints "rps p50_ms p99_ms".
measure() {
  local url="$1"; shift
  wrk -t"$threads" -c"$conns" -d"$warmup" "$@" "$url" > /dev/null
  wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@" "$url" > "$out/wrk.txt"
  local errors
  errors="$(awk '/Non-2xx/ {print $5}' "$out/wrk.txt")"
  [ -z "$errors" ] || { echo "wrk saw $errors non-2xx answers for $url" >&2; cat "$out/wrk.txt" >&2; exit 1; }
  echo "$(awk '/Requests\/sec/ {print $2}' "$out/wrk.txt") $(ms "$(awk '$1 == "50%" {print $2}' "$out/wrk.txt")") $(ms "$(awk '$1 == "99%" {print $2}' "$out/wrk.txt")")"
}
row() { say "$(printf '%-40s %9s rps  p50 %7s ms  p99 %7s ms  %s' "$1" $2 "$3")"; }

if wants read || wants paced; then
  say ""
  say "wrk -t$threads -c$conns -d$duration (after $warmup warm-up), 2 shared cores; $size bytes per answer; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  base=($(measure "$registry/bench/static-json"));  row "baseline GET /bench/static-json" "${base[*]}" ""
  reg=($(measure "$registry/v1/registry" "${auth[@]}")); row "GET /v1/registry" "${reg[*]}" \
    "ratio $(awk -v a="${reg[0]}" -v b="${base[0]}" 'BEGIN { printf "%.2f", a / b }')"
  # The same answer read and rendered on every request: a cursor from before the first agent is never kept, as an
  # answer is not while the projection changes.
  fresh=($(measure "$registry/v1/registry?cursor=$start" "${auth[@]}")); row "GET /v1/registry, rendered each time" "${fresh[*]}" \
    "ratio $(awk -v a="${fresh[0]}" -v b="${base[0]}" 'BEGIN { printf "%.2f", a / b }')"
fi
if wants paced; then
  half="$(awk -v r="${reg[0]}" 'BEGIN { printf "%.0f", r / 2 }')"
  paced_pair() {
    local rate="$1" label="$2" r s
    r=($(BENCH_WARMUP="${warmup%s}" BENCH_DURATION="${duration%s}" bench_java paced "$rate" | sed -n 's/^paced //p'))
    say "$(printf '%-40s %9s rps  p50 %7s ms  p99 %7s ms  (open loop, latency from when each was due; %s errors or unanswered)' \
      "GET /v1/registry $label" "${r[0]}" "${r[1]}" "${r[2]}" "${r[3]}")"
    say "$(printf '%-40s client %s, registry-service %s, rest of the machine %s µs per request; %s of 2 cores busy' '' "${r[5]}" "${r[6]}" "${r[7]}" "${r[8]}")"
    s=($(BENCH_WARMUP="${warmup%s}" BENCH_DURATION="${duration%s}" bench_java paced "$rate" /bench/static-json | sed -n 's/^paced //p'))
    say "$(printf '%-40s %9s rps  p50 %7s ms  p99 %7s ms  (the same client and rate; %s errors or unanswered)' \
      "baseline GET /bench/static-json, same rate" "${s[0]}" "${s[1]}" "${s[2]}" "${s[3]}")"
    say "$(printf '%-40s client %s, registry-service %s, rest of the machine %s µs per request; %s of 2 cores busy' '' "${s[5]}" "${s[6]}" "${s[7]}" "${s[8]}")"
  }
  paced_pair "$half" "at half its max rate"
  # Lower rates (BENCH_PACED_ALSO, e.g. "1000 2500"): whether the tail at half the maximum is the machine's saturation.
  for rate in ${BENCH_PACED_ALSO:-}; do paced_pair "$rate" "at $rate/s"; done
fi
if wants read || wants paced; then
  say "load average after the read: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
if wants freshness; then
  say ""
  say "Freshness: audit entries at a fixed rate, ${BENCH_FRESH_DURATION:-20} s measured after ${BENCH_FRESH_WARMUP:-5} s each"
  # shellcheck disable=SC2086
  bench_java freshness $rates | tee -a "$log"
fi
say ""
say "(log: $log)"
