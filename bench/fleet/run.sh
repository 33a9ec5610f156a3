#!/usr/bin/env bash
# fleet-service's heartbeat path, measured (BENCH=fleet bench/run): heartbeats from BENCH_INSTANCES distinct enrolled
# instances, each with its own credential, against pgbench running the same heartbeat UPDATE (one transaction per
# heartbeat) on the same PostgreSQL in the same run. Reports, for each, the highest rate held with p99 at or under
# BENCH_P99_MS and no errors, over the connection counts of BENCH_LEVELS, and their ratio.
#
# It starts the suite with the launcher (agent-service for the bootstrap key, fleet-service; fresh data folder, free
# ports), enrols the instances through the API (one enrolment token, N registrations), then runs wrk with
# heartbeat.lua at each level, then pgbench with heartbeat.sql at each level.
# Options (environment):
#   BENCH_INSTANCES=50000 BENCH_LEVELS="16 32 64 128 256" BENCH_DURATION=15s BENCH_WARMUP=20s BENCH_THREADS=2 BENCH_P99_MS=50
#   BENCH_WARMUP_ROUNDS=6   warm-up rounds of BENCH_WARMUP at most, until the rate steadies (bench/common/suite.sh)
#   BENCH_KEEP=1   keep the data folder and the enrolled instances of the last run
#   BENCH_SETUP_SQL=   SQL run on the service's database after enrolment, before the warm-up: a what-if (e.g. put back an
#                  index that a migration dropped, to compare with and without it on the same code)
#   BENCH_SYNC_COMMIT=on   PostgreSQL's synchronous_commit for both sides (on: production's setting, every commit waits
#                  for its WAL flush; off: the embedded server's default)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
n="${BENCH_INSTANCES:-50000}"
levels="${BENCH_LEVELS:-16 32 64 128 256}"
duration="${BENCH_DURATION:-15s}"
warmup="${BENCH_WARMUP:-20s}"
threads="${BENCH_THREADS:-2}"
limit="${BENCH_P99_MS:-50}"
out="$root/bench/fleet/target"
mkdir -p "$out"
log="$out/fleet-bench.log"
: > "$log"; : > "$out/launcher.log"
. "$root/bench/common/suite.sh"
need_wrk
command -v pgbench >/dev/null || apt-get install -y postgresql-contrib >/dev/null

[ -d fleet-service/target/quarkus-app ] || JAVA_HOME="$(bin/jdk)" ./mvnw -B -q install -DskipTests -DnoBench -pl fleet-service -am
data="$out/warden-data"
if [ "${BENCH_KEEP:-0}" != 1 ] || [ ! -f "$out/bench-key" ] || [ ! -f "$out/instances.txt" ]; then
  rm -rf "$data" "$out/instances.txt"
  echo "wdn_bench_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$out/bench-key"
fi
key="$(cat "$out/bench-key")"
say "Starting the suite (agent-service, fleet-service; data $data)..."
start_suite "$data" "$key" "agent-service,fleet-service"
fleet_port="$(port_of fleet-service)"
pg_port="$(port_of PostgreSQL)"
fleet="http://127.0.0.1:$fleet_port"
say "fleet-service at $fleet, PostgreSQL on port $pg_port"
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "$fleet/v1/fleet/agents?limit=1")" = 200 ] && break
  sleep 1
done

psql_bin="$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)"
export PGPASSWORD="$(cat "$data/secrets/postgres-superuser-password")"
sql() { "$psql_bin" -h 127.0.0.1 -p "$pg_port" -U postgres -d warden_fleet -qtA "$@"; }
# The embedded server starts with synchronous_commit=off; production runs with on. The database's setting applies to
# every session that opens after it, pgbench's and the service's alike: the service's open sessions are closed, and its
# pool opens new ones.
sync_commit="${BENCH_SYNC_COMMIT:-on}"
sql -c "ALTER DATABASE warden_fleet SET synchronous_commit = '$sync_commit'"
sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'warden_fleet' AND usename <> 'postgres'" >/dev/null
for _ in $(seq 1 30); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $key" "$fleet/v1/fleet/agents?limit=1")" = 200 ] && break
  sleep 1
done
say "synchronous_commit=$(sql -c 'SHOW synchronous_commit') for both sides"
fleet_pid="$(pgrep -f "$root/fleet-service/target/quarkus-app/quarkus-run.jar" | head -1)"
postmaster="$(head -1 "$data/postgres/postmaster.pid")"
wal_syncs() { sql -c "SELECT wal_sync FROM pg_stat_wal"; }
# Updates of fleet_instances so far, and how many of them were HOT (no index touched): "updates hot".
updates() { sql -c "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'fleet_instances'"; }
hot_share() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); u = y[1] - x[1]; h = u > 0 ? (y[2] - x[2]) * 100 / u : 0; printf "%.0f%% of %d updates HOT", h, u }'; }
# Runs a load generator through cpu.py; cpu_line then prints each side's CPU per heartbeat at RATE (from cpu-LEVEL.txt).
measured() { local file="$1"; shift; python3 "$root/bench/common/cpu.py" "$file" "$fleet_pid" "$postmaster" -- "$@"; }
cpu_line() {
  awk -v r="$2" '{ printf "       CPU per heartbeat: service %.0f µs, PostgreSQL %.0f µs, load generator %.0f µs; others %.2f cores, machine %.2f of 2 cores busy", $1 / r * 1e6, $2 / r * 1e6, $3 / r * 1e6, $4, $5 }' "$1"
}
if [ ! -f "$out/instances.txt" ]; then
  # Through the API (one enrolment token, a registration each), then, on a 2-core machine where registering
  # 50,000 would take minutes, the rest as the same rows by SQL: each with its own random credential, of which only
  # the SHA-256 is stored, as a registration stores it.
  api="$(( n < ${BENCH_API_INSTANCES:-1000} ? n : ${BENCH_API_INSTANCES:-1000} ))"
  say "Enrolling $api instances through the API..."
  node "$root/bench/fleet/seed.mjs" "$fleet" "$key" "$api" 32 "$out/instances.txt" | tee -a "$log"
  if [ "$n" -gt "$api" ]; then
    say "Enrolling $((n - api)) more by SQL..."
    org="$(sql -c "SELECT org_id FROM fleet_instances LIMIT 1")"
    sql <<SQL | grep '^agent-' >> "$out/instances.txt"
CREATE TEMP TABLE s AS SELECT 'agent-' || lpad(to_hex(x), 16, '0') AS id,
    'wfi_' || md5(random()::text || x) || md5(random()::text) AS secret FROM generate_series(1, $((n - api))) x;
INSERT INTO fleet_instances (id, org_id, hostname, os, version, ip, tags, status, last_heartbeat, registered_at,
    status_changed_at, credential_sha256, enrolled_by)
  SELECT id, '$org', 'bench-' || id, 'linux', '1.0.0', '127.0.0.1', '{bench}', 'online', now(), now(), now(),
    encode(sha256(convert_to(secret, 'UTF8')), 'hex'), 'bench' FROM s;
SELECT id || ' ' || secret FROM s;
SQL
    sed -i '/^$/d' "$out/instances.txt"
  fi
fi
if [ "${BENCH_KEEP:-0}" = 1 ]; then
  # The kept instances' last heartbeats are as old as the last run: without this the sweep would mark them all stale,
  # and every heartbeat of the run would be a transition back online.
  sql -c "UPDATE fleet_instances SET last_heartbeat = now(), status = 'online', status_changed_at = now() WHERE status <> 'deregistered'" >/dev/null
fi
if [ -n "${BENCH_SETUP_SQL:-}" ]; then
  say "Setup (what-if): $BENCH_SETUP_SQL"
  sql <<< "$BENCH_SETUP_SQL" >/dev/null
fi
say "$(wc -l < "$out/instances.txt") enrolled instances"
export INSTANCES="$out/instances.txt"

best_fleet=0; best_fleet_at=-
say ""
say "fleet-service: POST /v1/fleet/agents/{id}/heartbeat, $n instances, wrk -t$threads -d$duration (after warm-up rounds of $warmup)"
# The warm-up touches every instance (a JIT that has compiled the path, each credential checked once), as a fleet
# that has been running for a minute has: rounds until the rate steadies and every instance has had a heartbeat.
warm_until_steady "at 32 connections" "$n" -t"$threads" -c32 -s "$root/bench/fleet/heartbeat.lua" "$fleet"
for c in $levels; do
  w0="$(wal_syncs)"; u0="$(updates)"
  measured "$out/cpu-wrk-$c.txt" wrk -t"$threads" -c"$c" -d"$duration" --latency -s "$root/bench/fleet/heartbeat.lua" "$fleet" > "$out/wrk-$c.txt"
  w1="$(wal_syncs)"; u1="$(updates)"
  rps="$(awk '/Requests\/sec/ {print $2}' "$out/wrk-$c.txt")"
  p99="$(ms "$(awk '$1 == "99%" {print $2}' "$out/wrk-$c.txt")")"
  errors="$(awk '/Non-2xx/ {print $5}' "$out/wrk-$c.txt")"; errors="${errors:-0}"
  sockerr="$(grep -c 'Socket errors' "$out/wrk-$c.txt" || true)"
  say "$(printf '  %3d connections: %10.0f heartbeats/s  p99 %8s ms  non-2xx %s%s' "$c" "$rps" "$p99" "$errors" \
        "$([ "$sockerr" = 0 ] || echo '  socket errors')")"
  say "$(cpu_line "$out/cpu-wrk-$c.txt" "$rps"); $(awk -v a="$w0" -v b="$w1" -v r="$rps" -v d="${duration%s}" 'BEGIN { printf "%.0f heartbeats per WAL flush", r * d / (b - a > 0 ? b - a : 1) }'); $(hot_share "$u0" "$u1")"
  if [ "$errors" = 0 ] && [ "$sockerr" = 0 ] && awk -v p="$p99" -v l="$limit" 'BEGIN { exit !(p <= l) }' \
     && awk -v a="$rps" -v b="$best_fleet" 'BEGIN { exit !(a > b) }'; then
    best_fleet="$rps"; best_fleet_at="$c"
  fi
done

sql -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_ids;
  CREATE TABLE bench_ids AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM fleet_instances WHERE status <> 'deregistered';
  ALTER TABLE bench_ids ADD PRIMARY KEY (n); ANALYZE bench_ids; ANALYZE fleet_instances;" >/dev/null
count="$(sql -c "SELECT count(*) FROM bench_ids")"
best_pg=0; best_pg_at=-
say ""
say "pgbench: the same UPDATE, one transaction per heartbeat, $count instances, -j$threads -T${duration%s} -M prepared"
for c in $levels; do
  w0="$(wal_syncs)"; u0="$(updates)"
  measured "$out/cpu-pgbench-$c.txt" pgbench -h 127.0.0.1 -p "$pg_port" -U postgres -n -M prepared -c "$c" -j "$threads" -T "${duration%s}" -D instances="$count" \
    -r --log --log-prefix="$out/pgbench-$c" -f "$root/bench/fleet/heartbeat.sql" warden_fleet > "$out/pgbench-$c.txt" 2>&1
  w1="$(wal_syncs)"; u1="$(updates)"
  tps="$(awk '/^tps = / {print $3; exit}' "$out/pgbench-$c.txt")"
  p99="$(cat "$out"/pgbench-"$c".* 2>/dev/null | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END { if (NR) printf "%.2f", a[int(NR*0.99)] / 1000; else print "n/a" }')"
  rm -f "$out"/pgbench-"$c".[0-9]*
  say "$(printf '  %3d connections: %10.0f heartbeats/s  p99 %8s ms' "$c" "$tps" "$p99")"
  say "$(cpu_line "$out/cpu-pgbench-$c.txt" "$tps"); $(awk -v a="$w0" -v b="$w1" -v r="$tps" -v d="${duration%s}" 'BEGIN { printf "%.1f heartbeats per WAL flush", r * d / (b - a > 0 ? b - a : 1) }'); $(hot_share "$u0" "$u1")"
  if awk -v p="$p99" -v l="$limit" 'BEGIN { exit !(p <= l) }' && awk -v a="$tps" -v b="$best_pg" 'BEGIN { exit !(a > b) }'; then
    best_pg="$tps"; best_pg_at="$c"
  fi
done
# What the heartbeat's HOT update costs elsewhere, with no index on last_heartbeat: the sweep's search for due
# instances, and the first page of a list sorted by lastHeartbeat (execution times, the third of three runs).
explain_ms() { local t=; for _ in 1 2 3; do t="$(sql -c "EXPLAIN (ANALYZE, TIMING OFF) $1" | sed -n 's/^Execution Time: \([0-9.]*\) ms/\1/p')"; done; echo "$t"; }
org="$(sql -c "SELECT org_id FROM fleet_instances GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")"
say ""
say "Over $count instances: the sweep's search $(explain_ms "SELECT id FROM fleet_instances WHERE status = 'online' AND last_heartbeat < now() - interval '180 seconds' ORDER BY last_heartbeat LIMIT 1000 FOR UPDATE SKIP LOCKED") ms; a list's first page by lastHeartbeat $(explain_ms "SELECT * FROM fleet_instances WHERE status <> 'deregistered' AND org_id = '$org' ORDER BY last_heartbeat DESC, id DESC LIMIT 101") ms"
say ""
# A side with no level that held the p99 bound has no figure: said so, and no ratio
held() { [ "$2" = - ] && echo "none held p99 <= ${limit} ms" || printf '%.0f/s (at %s connections)' "$1" "$2"; }
say "fleet-service heartbeats: $(held "$best_fleet" "$best_fleet_at") | pgbench same UPDATE: $(held "$best_pg" "$best_pg_at") | ratio $(
  [ "$best_fleet_at" = - ] || [ "$best_pg_at" = - ] && echo "—" || awk -v a="$best_fleet" -v b="$best_pg" 'BEGIN { printf "%.2f", a / b }')"
say "(highest rate with p99 <= $limit ms and no errors; synchronous_commit=$sync_commit; 2 shared cores; log: $log)"
