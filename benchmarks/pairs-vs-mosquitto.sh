#!/bin/bash
# Independent publisher/subscriber pairs of the Debian mosquitto clients, against Mosquitto and against a
# minimal cluster (bin/cluster up --no-lb --anonymous --gateways 1 --routers 2: 1 Kafka broker, 2 routers,
# 1 gateway, no load balancer), in one run.
#
#   benchmarks/pairs-vs-mosquitto.sh [OUT]      (env: PAIRS=16, QOS1_COUNT=5000, QOS0_COUNT=20000, WARM_ROUNDS=3)
#
# Each pair is `seq 1 N | mosquitto_pub -l -q Q -t s<tag>/<i>` feeding `mosquitto_sub -q Q -C N` on the same
# topic; publisher and subscriber of a pair are on the same gateway. Each broker is first warmed up (WARM_ROUNDS
# runs of PAIRS x QOS1_COUNT at QoS 1 and one of PAIRS x QOS0_COUNT at QoS 0: a JVM that has not compiled its hot
# paths yet spends most of a short run in its JIT compiler), then measured twice at QoS 1 and twice at QoS 0.
# Per run: messages sent and received, the publishing time, delivered/s = messages / (first publish to last
# delivery), and the broker's CPU (utime + stime of every broker process, Kafka included) per 100,000 messages.
# Needs mosquitto and mosquitto-clients, and the packaged services (./mvnw -B install -DskipTests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out=${1:-$root/bench-out/pairs-vs-mosquitto}
pairs=${PAIRS:-16} n1=${QOS1_COUNT:-5000} n0=${QOS0_COUNT:-20000} warm=${WARM_ROUNDS:-3}
base=${KMQTT_PORT_BASE:-30000}
mkdir -p "$out"
: > "$out/results.txt"
command -v mosquitto_pub > /dev/null || { echo "needs mosquitto-clients (apt-get install mosquitto mosquitto-clients)" >&2; exit 1; }
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)

pids=()
stop() { # TERM, then KILL what is still there after 20 s
  local p i
  ((${#pids[@]})) || return 0
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for ((i = 0; i < 200; i++)); do
    for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null && break; done
    kill -0 "$p" 2> /dev/null || break; sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true; pids=(); }
cluster_up=false
trap 'stop; if [[ $cluster_up == true ]]; then "$root/bin/cluster" down > /dev/null 2>&1 || true; fi' EXIT

cpu_ticks() { local t=0 p; for p in "${pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }

pairs_run() { # PORT COUNT QOS: one run of the pairs, prints one result line
  local port=$1 count=$2 qos=$3 tag=$RANDOM i subs=() pubs=()
  for ((i = 0; i < pairs; i++)); do
    timeout 300 mosquitto_sub -p "$port" -q "$qos" -t "s$tag/$i" -C "$count" -i "sub$tag-$i" > "$out/sub-$i.out" 2> /dev/null &
    subs+=($!)
  done
  sleep 1
  local c0 t0 tp t1 c1
  c0=$(cpu_ticks); t0=$(date +%s.%N)
  for ((i = 0; i < pairs; i++)); do
    (seq 1 "$count" | mosquitto_pub -p "$port" -q "$qos" -t "s$tag/$i" -l -i "pub$tag-$i") &
    pubs+=($!)
  done
  for i in "${pubs[@]}"; do wait "$i"; done
  tp=$(date +%s.%N)
  for i in "${subs[@]}"; do # each subscriber gets up to 20 s more for stragglers
    for ((k = 0; k < 200; k++)); do kill -0 "$i" 2> /dev/null || break; sleep 0.1; done
    kill "$i" 2> /dev/null || true
  done
  t1=$(date +%s.%N); c1=$(cpu_ticks)
  local received=0
  for ((i = 0; i < pairs; i++)); do received=$((received + $(wc -l < "$out/sub-$i.out"))); done
  awk -v total=$((pairs * count)) -v recv="$received" -v t0="$t0" -v tp="$tp" -v t1="$t1" \
      -v cpu="$(( c1 - c0 ))" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    printf "sent=%d received=%d lost=%d publish_s=%.2f delivered_per_s=%.0f cpu_s=%.2f cpu_s_per_100k=%.2f\n",
      total, recv, total - recv, tp - t0, recv / (t1 - t0), cpu / hz, cpu / hz * 100000 / total }'
}

measure() { # LABEL PORT
  local label=$1 port=$2 w round qos
  for ((w = 0; w < warm; w++)); do pairs_run "$port" "$n1" 1 > /dev/null; done
  pairs_run "$port" "$n0" 0 > /dev/null
  for round in 1 2; do
    for qos in 1 0; do
      echo "$label round=$round qos=$qos $(pairs_run "$port" "$([[ $qos = 1 ]] && echo "$n1" || echo "$n0")" "$qos")" |
        tee -a "$out/results.txt"
    done
  done
}

# Mosquitto 2, default settings
"$mosquitto" -p $((base + 1883)) > "$out/mosquitto.log" 2>&1 & pids+=($!)
sleep 1
measure mosquitto $((base + 1883))
stop

# The cluster: bin/cluster without its load balancer, anonymous, 2 routers, 1 gateway. CPU is counted for Kafka,
# the routers and the gateway; the auth-service, admin API and Redis it starts beside them have no part in
# anonymous pairs.
export KMQTT_CLUSTER_DIR="$out/cluster" KMQTT_PORT_BASE=$base
cluster_up=true
"$root/bin/cluster" up --no-lb --anonymous --gateways 1 --routers 2 > "$out/cluster-up.log"
pids=($(cat "$KMQTT_CLUSTER_DIR"/pids/kafka "$KMQTT_CLUSTER_DIR"/pids/router-* "$KMQTT_CLUSTER_DIR"/pids/gw-1))
sleep 6 # the routers take their shards
measure cluster "$("$root/bin/cluster" gateway-ports)"
pids=()
"$root/bin/cluster" down > /dev/null
cluster_up=false
rm -rf "$out"/sub-*.out
