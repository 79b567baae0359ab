#!/usr/bin/env bash
# make bench-api: durable workload credits over HTTP with wrk (64 connections)
# at two history sizes, plus start-up (journal replay) time and peak RSS.
# The anchor is nginx answering a static 200 (nginx-light, scripts/setup.sh
# --bench) under the same wrk load in the same run, each run alternating with
# the service's: absolute rates do not carry between machines, ratios do.
# Usage: bench/bench_api.sh BIN_DIR
#   (env: SIZES="10000 1000000" RUNS=3 SECONDS_PER_RUN=5 CHECKPOINT_INTERVAL=5
#    SLOW_READERS=1000: at the first size, credits again while that many clients
#    hold a 1000-workload page unread; 0 skips the row;
#    BASE_BIN_DIR="": the payments-backend of another build (e.g. the commit
#    before a change) measured the same way at each size, the two builds
#    taking turns to go first, with this build's ratio to it)
set -euo pipefail

bin_dir=$(cd "${1:?usage: bench_api.sh BIN_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
sizes=${SIZES:-"10000 1000000"}
runs=${RUNS:-3}
secs=${SECONDS_PER_RUN:-5}
# Background checkpoints run during the measurement (the service's default is 30 s).
checkpoint_interval=${CHECKPOINT_INTERVAL:-5}
slow_readers=${SLOW_READERS:-1000}
# shellcheck source=bench/base_build.sh
. "$here/base_build.sh"
load_base_build payments-backend bench-api
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-api.XXXXXX")
pid=""
readers_pid=""
nginx_pid=""
cleanup() {
  if [ -n "$nginx_pid" ]; then kill -TERM "$nginx_pid" 2>/dev/null || true; fi
  if [ -n "$readers_pid" ]; then kill -9 "$readers_pid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# wrk's latency lines look like "     99%    7.78ms"; prints milliseconds.
to_ms() {
  awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f\n", v}'
}

# nginx on 127.0.0.1 at a free port, one config in the temp dir, its pid kept.
command -v nginx >/dev/null || { echo "bench-api: nginx missing (scripts/setup.sh --bench)" >&2; exit 1; }
nginx_port=$(free_port)
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx/logs/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 "ok\n"; }
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
nginx_pid=$!
for _ in $(seq 1 200); do
  curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 && break
  sleep 0.05
done
curl -fs "http://127.0.0.1:$nginx_port/" >/dev/null || { echo "bench-api: nginx did not start:" >&2; cat "$work/nginx/logs/error.log" >&2; exit 1; }
nginx_rates=()

printf '%-10s %-5s %11s %8s %8s %9s %8s %12s %10s\n' workloads build credits/s p50_ms p99_ms replay_s start_s end_workloads peak_rss_MB
declare -A rate_at p99_at replay_at rss_at
# measure_size BIN LABEL N: the service of BIN on a generated history of N
# workloads (the rows' "build": this, or base for BASE_BIN_DIR): replay,
# RUNS wrk runs each after one of nginx, and at the first size of this build
# the slow-readers row; sets rate_at[LABEL.N] and the like.
measure_size() {
  local bin=$1 label=$2 n=$3
  dir="$work/data-$n"
  rm -rf "$dir"
  "$bin_dir/bench-journal-gen" --data-dir "$dir" --workloads "$n" >/dev/null
  # Written back before the measurement: otherwise the first build measured
  # after a generation has its fsyncs queue behind hundreds of MiB of it.
  sync
  port=$(free_port)
  t0=$(date +%s.%N)
  "$bin/payments-backend" --data-dir "$dir" --listen "127.0.0.1:$port" \
    --checkpoint-interval "$checkpoint_interval" 2>"$work/log-$n" &
  pid=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.05
  done
  start_s=$(echo "$(date +%s.%N) - $t0" | bc)
  replay_s=$(grep -o 'replayed in [0-9.]*s' "$work/log-$n" | grep -o '[0-9.]*[0-9]')
  rates=()
  for _ in $(seq 1 "$runs"); do
    # The anchor first, with the same wrk parameters and request script.
    nginx_rates+=("$(wrk -t2 -c64 -d"${secs}s" -s "$here/credit.lua" "http://127.0.0.1:$nginx_port/" | awk '/Requests\/sec/ {print $2}')")
    out=$(wrk -t2 -c64 -d"${secs}s" --latency -s "$here/credit.lua" "http://127.0.0.1:$port/")
    if echo "$out" | grep -q 'Non-2xx'; then
      echo "bench-api: some credits were not acknowledged with 2xx:" >&2
      echo "$out" >&2
      exit 1
    fi
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
    p99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
    rates+=("$rate $p50 $p99")
  done
  mid=$(printf '%s\n' "${rates[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  if [ "$n" = "${sizes%% *}" ] && [ "$slow_readers" -gt 0 ] && [ "$label" = this ]; then
    # The same credits while clients that never read hold large replies
    # (issue 16): the write timeout and the reply budget keep them cheap.
    python3 "$here/slow_readers.py" "$port" "$slow_readers" "/api/workloads?offset=0&limit=1000" \
      >"$work/readers" 2>&1 &
    readers_pid=$!
    for _ in $(seq 1 600); do [ -s "$work/readers" ] && break; sleep 0.05; done
    out=$(wrk -t2 -c64 -d"${secs}s" --latency -s "$here/credit.lua" "http://127.0.0.1:$port/")
    kill -TERM "$readers_pid"; wait "$readers_pid" || true; readers_pid=""
    slow_row=$(printf '%s readers: %s credits/s, p50 %s ms, p99 %s ms (%s non-2xx)' "$(head -1 "$work/readers")" \
      "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" "$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)" \
      "$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)" "$(echo "$out" | awk '/Non-2xx/ {print $NF}' | grep . || echo 0)")
  fi
  rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  end_workloads=$(curl -fs "http://127.0.0.1:$port/health" | grep -o '"workloads":[0-9]*' | cut -d: -f2)
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
  read -r rate p50 p99 <<<"$mid"
  rate_at[$label.$n]=$rate
  p99_at[$label.$n]=$p99
  replay_at[$label.$n]=$replay_s
  rss_at[$label.$n]=$((rss_kb / 1024))
  printf '%-10s %-5s %11.0f %8s %8s %9s %8.2f %12s %10d\n' "$n" "$label" "$rate" "$p50" "$p99" "$replay_s" "$start_s" \
    "$end_workloads" $((rss_kb / 1024))
  rm -rf "$dir"
}
turn=0
for n in $sizes; do
  if [ -z "$base_bin_dir" ]; then
    measure_size "$bin_dir" this "$n"
  elif [ $((turn % 2)) -eq 0 ]; then  # the two builds take turns to go first
    measure_size "$bin_dir" this "$n"; measure_size "$base_bin_dir" base "$n"
  else
    measure_size "$base_bin_dir" base "$n"; measure_size "$bin_dir" this "$n"
  fi
  turn=$((turn + 1))
done

kill -TERM "$nginx_pid"; wait "$nginx_pid" || true; nginx_pid=""
nginx_rate=$(printf '%s\n' "${nginx_rates[@]}" | median)
echo "nginx static 200 (anchor, same wrk load, alternating with the service's runs): $nginx_rate req/s (median of ${#nginx_rates[@]})"

set -- $sizes
first=$1
last=${!#}
# verdict EXPR: "met" when the awk expression holds, else "NOT met"
verdict() { awk "BEGIN {print ($1) ? \"met\" : \"NOT met\"}"; }
echo "targets (at $last workloads unless said):"
anchor=$(awk -v a="${rate_at[this.$last]}" -v b="$nginx_rate" 'BEGIN {printf "%.3f", a / b}')
printf '  %-40s %-16s %s\n' "credits/s >= 0.5x nginx" "${anchor}x" "$(verdict "$anchor >= 0.5")"
printf '  %-40s %-16s %s\n' "p99 < 10 ms" "${p99_at[this.$last]} ms" "$(verdict "${p99_at[this.$last]} < 10")"
printf '  %-40s %-16s %s\n' "replay of the history < 1 s" "${replay_at[this.$last]} s" "$(verdict "${replay_at[this.$last]} < 1")"
printf '  %-40s %-16s %s\n' "peak RSS < 400 MB" "${rss_at[this.$last]} MB" "$(verdict "${rss_at[this.$last]} < 400")"
if [ "$first" != "$last" ]; then
  ratio=$(awk -v a="${rate_at[this.$last]}" -v b="${rate_at[this.$first]}" 'BEGIN {printf "%.3f", a / b}')
  printf '  %-40s %-16s %s\n' "throughput at $last vs $first >= 0.85x" "${ratio}x" "$(verdict "$ratio >= 0.85")"
fi
if [ -n "$base_bin_dir" ]; then
  for n in $sizes; do
    printf '  this build against base (%s) at %s workloads: credits/s %sx, p99 %s vs %s ms, replay %s vs %s s\n' \
      "$base_version" "$n" \
      "$(awk -v a="${rate_at[this.$n]}" -v b="${rate_at[base.$n]}" 'BEGIN {printf "%.3f", a / b}')" \
      "${p99_at[this.$n]}" "${p99_at[base.$n]}" "${replay_at[this.$n]}" "${replay_at[base.$n]}"
  done
fi
[ -n "${slow_row:-}" ] && echo "with slow readers at ${sizes%% *} workloads: $slow_row"
echo "(peak RSS is the process's high-water mark at the end, holding end_workloads workloads)"
echo "(median of $runs runs of ${secs}s each, wrk -t2 -c64, one durable credit per request, background"
echo " checkpoint every ${checkpoint_interval}s during the runs; $(nproc) cores)"
