#!/usr/bin/env bash
# Seeds a fresh SQLite database, starts the built binary on loopback, sends
# each load scenario at it, and prints the results and the server's peak
# memory. Used by `make load`; everything stays on this machine.
set -euo pipefail
bin=$(realpath "${1:-./conduit}")
dur=${LOAD_DURATION:-10s}
conc=${LOAD_CLIENTS:-16}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"
"$bin" seed --users 2000 --articles 20000 --comments 100000 > seed.log
echo "$(tail -1 seed.log)"
CONDUIT_ENV=production CONDUIT_JWT_SECRET=$(head -c 48 /dev/urandom | base64) CONDUIT_CORS_ORIGINS=http://127.0.0.1 \
  "$bin" serve --addr 127.0.0.1:0 --rate-limit 0 > server.out 2> server.log &
pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://[^ ]*' server.out | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat server.log; exit 1; }
cd - > /dev/null
for scenario in home article mixed; do
  go run ./bench/load -url "$url/graphql" -c "$conc" -d "$dur" -scenario "$scenario"
done
echo "server peak memory: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
