# Sourced by the benchmarks that run the suite as a user would (bench/request, fleet, runner, registry): the launcher
# started on free ports with a data folder and bootstrap key of the benchmark's, its readiness awaited, the ports it
# chose, and the launcher stopped when the benchmark exits. The caller sets $out (its target folder) and $log.

say() { echo "$*" | tee -a "$log"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
need_wrk() {
  command -v wrk >/dev/null || { echo "Installing wrk (Debian package)..." >&2; apt-get install -y wrk >/dev/null; }
}

# start_suite DATA KEY SERVICES [VAR=value ...]: bin/warden up with those services (and any further environment),
# waits until it is ready; the gateway listens on $gateway_port. Exits the benchmark if the suite does not start.
start_suite() {
  local data="$1" key="$2" services="$3"
  shift 3
  gateway_port="$(free_port)"
  # One organization grows past what a team keeps (benchmarks with BENCH_KEEP=1 add to it run after run), so the
  # limits per organization (docs/security.md) are lifted.
  env WARDEN_LIMITS_AGENTS=1000000000 WARDEN_LIMITS_AGENT_VERSIONS=1000000000 WARDEN_LIMITS_INSTANCES=1000000000 \
    "$@" WARDEN_DATA_DIR="$data" WARDEN_GATEWAY_PORT="$gateway_port" WARDEN_PG_PORT=0 WARDEN_KAFKA_PORT=0 \
    WARDEN_SERVICE_PORTS=free WARDEN_SERVICES="$services" WARDEN_BOOTSTRAP_API_KEY="$key" \
    bin/warden up > "$out/launcher.log" 2>&1 &
  launcher=$!
  trap stop_suite EXIT
  for _ in $(seq 1 600); do
    grep -q "Warden is ready" "$out/launcher.log" && break
    kill -0 "$launcher" 2>/dev/null || { cat "$out/launcher.log" >&2; exit 1; }
    sleep 1
  done
  grep -q "Warden is ready" "$out/launcher.log" || { echo "the suite did not start; see $out/launcher.log" >&2; exit 1; }
}

stop_suite() { kill -TERM "$launcher" 2>/dev/null || true; wait "$launcher" 2>/dev/null || true; }

# port_of NAME: the port the launcher reported for a service, PostgreSQL or Kafka.
port_of() { sed -n "s/.*$1 .*(port \([0-9]*\).*/\1/p" "$out/launcher.log" | head -1; }

# warm_until_steady LABEL MIN_REQUESTS WRK_ARGS...: wrk rounds of $warmup (BENCH_WARMUP) until a round's rate is within
# 10% of the round before and MIN_REQUESTS have been made, at most BENCH_WARMUP_ROUNDS (6) rounds, each round said. A
# fresh JVM compiles the path for a minute or more under load on two shared cores, and caches fill (the fleet's
# credentials): one fixed warm-up measured the first levels on a cold service (session 55's fleet runs, 1.2-2.3 ms
# of PostgreSQL per heartbeat that a warm service spends 35-80 µs on).
warm_until_steady() {
  local label="$1" least="$2" round=1 rate=0 last=0 made=0 line
  shift 2
  while :; do
    line="$(wrk -d"$warmup" "$@" | awk '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {print n + 0, r + 0}')"
    made=$((made + ${line%% *})); rate="${line##* }"
    say "$(printf '  warm-up %s, round %d: %.0f requests/s' "$label" "$round" "$rate")"
    if [ "$made" -ge "$least" ] && awk -v a="$rate" -v b="$last" 'BEGIN { exit !(b > 0 && a < b * 1.1) }'; then
      return
    fi
    if [ "$round" -ge "${BENCH_WARMUP_ROUNDS:-6}" ]; then
      say "  warm-up $label: not steady after $round rounds; measuring anyway"
      return
    fi
    last="$rate"; round=$((round + 1))
  done
}

# ms VALUE: a latency as wrk prints it (850.00us, 1.20ms, 1.05s) in milliseconds.
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
