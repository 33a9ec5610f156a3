#!/usr/bin/env bash
# The run path, measured (BENCH=run bench/run): the end-to-end latency of POST /v1/agents/{id}/run of a trivial
# container (busybox printing two lines) as a ratio of `podman run --rm` of the same image on the same engine, in the
# same run (target: at most 1.5 at the median), and the runs per second with 8 concurrent clients.
#
# It starts the suite with the launcher (bin/warden up: agent-service and runner-service, a fresh data folder, free
# ports; the launcher starts Podman's API in that folder and imports the demo image), creates an agent, deploys the
# demo image, then, alternating so both see the same machine:
#   baseline   `podman run --rm localhost/warden/demo-agent:1`, with the launcher's Podman configuration
#   run        POST /v1/agents/{id}/run, straight to runner-service (curl, one at a time)
# and last BENCH_CLIENTS clients each posting runs back to back for BENCH_DURATION seconds.
# Options (environment): BENCH_RUNS=40 (each kind, after 5 unmeasured of each) BENCH_CLIENTS=8 BENCH_DURATION=20
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
runs="${BENCH_RUNS:-40}"
clients="${BENCH_CLIENTS:-8}"
duration="${BENCH_DURATION:-20}"
out="$root/bench/runner/target"
mkdir -p "$out"
log="$out/run-bench.log"
: > "$log"
. "$root/bench/common/suite.sh"
command -v podman >/dev/null || { echo "Podman is needed: apt-get install -y podman runc busybox-static" >&2; exit 1; }

data="$out/warden-data"
rm -rf "$data" "$out/launcher.log"
: > "$out/launcher.log"
key="wdn_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
say "Starting the suite (agent-service, runner-service; data $data)..."
# Every concurrent client must get a slot: the per-organization limit is raised to the clients.
start_suite "$data" "$key" "agent-service,runner-service" WARDEN_RUNNER_MAX_CONCURRENT_PER_ORG="$clients"
grep -q "Podman API at" "$out/launcher.log" || { echo "the launcher found no engine; see $out/launcher.log" >&2; exit 1; }
agent_port="$(port_of agent-service)"
runner_port="$(port_of runner-service)"
h=(-H "X-API-Key: $key" -H "Content-Type: application/json")
id="$(curl -s "${h[@]}" "http://127.0.0.1:$agent_port/v1/agents" -d '{"name": "bench-agent", "runtime": "docker",
  "agent_type": "supervised", "risk_config": {"default_risk_score": 10, "auto_approve_below": 30, "max_risk_threshold": 80}}' \
  | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')"
[ -n "$id" ] || { echo "could not create the agent" >&2; exit 1; }
curl -s -o /dev/null "${h[@]}" "http://127.0.0.1:$agent_port/v1/agents/$id/deploy" -d '{"image_uri": "localhost/warden/demo-agent:1"}'
run_url="http://127.0.0.1:$runner_port/v1/agents/$id/run"
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${h[@]}" "$run_url")" = 200 ] && break
  sleep 0.2
done

export CONTAINERS_CONF="$data/podman/containers.conf" CONTAINERS_STORAGE_CONF="$data/podman/storage.conf" TMPDIR="$data/podman/tmp"
now() { date +%s%N; }
one_podman() { local t=$(now); podman run --rm localhost/warden/demo-agent:1 > /dev/null; echo $(( ($(now) - t) / 1000 )); }
one_run() {
  local t=$(now) body
  body="$(curl -s -X POST "${h[@]}" "$run_url")"
  case "$body" in *'"status":"success"'*) ;; *) echo "a run did not succeed: $body" >&2; exit 1;; esac
  echo $(( ($(now) - t) / 1000 ))
}
say "Warming up (5 of each)..."
for _ in 1 2 3 4 5; do one_podman > /dev/null; one_run > /dev/null; done
: > "$out/podman.us"; : > "$out/run.us"
for _ in $(seq 1 "$runs"); do one_podman >> "$out/podman.us"; one_run >> "$out/run.us"; done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
p90() { sort -n "$1" | awk '{a[NR]=$1} END {i=int(NR*0.9); if (i<1) i=1; print a[i]}'; }
pm="$(median "$out/podman.us")"; rm_="$(median "$out/run.us")"
say ""
say "$runs sequential runs each, alternating, 2 shared cores"
say "$(printf 'podman run --rm (baseline)   median %7.1f ms  p90 %7.1f ms' "$(echo "$pm / 1000" | bc -l)" "$(echo "$(p90 "$out/podman.us") / 1000" | bc -l)")"
say "$(printf 'POST /run                    median %7.1f ms  p90 %7.1f ms' "$(echo "$rm_ / 1000" | bc -l)" "$(echo "$(p90 "$out/run.us") / 1000" | bc -l)")"
say "$(printf 'ratio /run : podman run --rm at the median: %.2f (target <= 1.5)' "$(echo "$rm_ / $pm" | bc -l)")"

say ""
say "$clients concurrent clients for ${duration}s..."
end=$(( $(date +%s) + duration ))
client() {
  local ok=0 other=0 code
  while [ "$(date +%s)" -lt "$end" ]; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "${h[@]}" "$run_url")"
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else other=$((other + 1)); fi
  done
  echo "$ok $other"
}
start=$(now)
for c in $(seq 1 "$clients"); do client > "$out/client-$c.txt" & done
wait $(jobs -p | grep -v "^$launcher$") 2>/dev/null || true
took_ms=$(( ($(now) - start) / 1000000 ))
ok=$(cat "$out"/client-*.txt | awk '{s+=$1} END {print s}')
other=$(cat "$out"/client-*.txt | awk '{s+=$2} END {print s}')
say "$(printf '%d runs in %.1f s: %.1f runs/s (%d answers other than 200)' "$ok" "$(echo "$took_ms / 1000" | bc -l)" "$(echo "$ok * 1000 / $took_ms" | bc -l)" "$other")"
