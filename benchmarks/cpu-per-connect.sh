#!/bin/bash
# CPU per connection, in each process of a local cluster, above what the same cluster uses at rest.
#
#   benchmarks/cpu-per-connect.sh LABEL      (env: GATEWAYS=2, RAMP=300 CONNECTs/s, and anything bin/cluster reads)
#
# Starts a fresh bin/cluster, runs seed-1 at 1/20 twice to warm the JVMs (10,000 clients each: CONNECT,
# SUBSCRIBE, about 200 publishes in all, DISCONNECT), reads every process's CPU over 30 s at rest, then
# over a third run. Each process's CPU in that run, less its rate at rest times the run's length,
# divided by the 10,000 connections, is its cost per connection. Also prints the gateways' CONNECT
# stage timers (mqtt_connect_stage_seconds). Outputs go to bench-out/cpc-LABEL-*.
set -euo pipefail
label=${1:?usage: benchmarks/cpu-per-connect.sh LABEL}
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
gateways=${GATEWAYS:-2}
out=bench-out/cpc-$label
mkdir -p "$out"
# below the ephemeral range (32768-60999), where a socket in TIME_WAIT can hold a listening port
export KMQTT_PORT_BASE=${KMQTT_PORT_BASE:-30000} MQTT_LB_PORT=${MQTT_LB_PORT:-31883} MQTT_LB_WS_PORT=${MQTT_LB_WS_PORT:-31083}
base=$KMQTT_PORT_BASE

bin/cluster up --gateways "$gateways" --users 5000 > "$out/up.log" 2>&1
trap 'bin/cluster down > /dev/null 2>&1' EXIT

cpu() { # name and utime+stime in clock ticks of every cluster process, sorted by name
  for f in run/cluster/pids/*; do
    awk -v n="$(basename "$f")" '{print n, $14 + $15}' "/proc/$(cat "$f")/stat" 2>/dev/null || true
  done | sort
}
run() {
  bin/mqtt-bench run --scenario seed-1 --time-scale 0.2 --steady 1s --ramp-rate "${RAMP:-300}" \
    --host 127.0.0.1 --port "$MQTT_LB_PORT" --out "$out/$1" --cluster-dir run/cluster --workers 1 > "$out/$1.log" 2>&1
}
stages() { # count, mean and max of each CONNECT stage, over all gateways
  for ((i = 1; i <= gateways; i++)); do curl -s "127.0.0.1:$((base + 200 + i))/q/metrics"; done |
    awk -F'[{}" ]+' '/^mqtt_connect_stage_seconds_(count|sum|max)/ {
        split($1, a, "_"); k = a[5]; s = $3; if (k == "max") { if ($NF > m[s]) m[s] = $NF } else v[s, k] += $NF }
      END { for (s in m) printf "stage %-8s %6d CONNECTs, mean %7.1f ms, max %7.1f ms\n", s, v[s, "count"],
              1000 * v[s, "sum"] / (v[s, "count"] ? v[s, "count"] : 1), 1000 * m[s] }'
}

run warm-1
run warm-2
cpu > "$out/rest-0"; sleep 30; cpu > "$out/rest-1"
start=$(date +%s.%N); cpu > "$out/run-0"
run measured
cpu > "$out/run-1"; end=$(date +%s.%N)
stages
grep -E "^\| Connect" "$out/measured/report.md"
join "$out/run-0" "$out/run-1" | join - <(join "$out/rest-0" "$out/rest-1") |
  awk -v secs="$(echo "$end - $start" | bc)" -v hz="$(getconf CLK_TCK)" '{
      used = ($3 - $2) * 1000 / hz; rest = ($5 - $4) * 1000 / hz / 30 * secs
      printf "%-14s %7.0f ms CPU, %7.0f above rest = %.3f ms per connection\n", $1, used, used - rest, (used - rest) / 10000
      t += used; r += rest }
    END { printf "all processes  %7.0f ms CPU, %7.0f above rest = %.3f ms per connection (run of %.0f s)\n", t, t - r, (t - r) / 10000, secs }'
