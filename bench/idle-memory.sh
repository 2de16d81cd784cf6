#!/usr/bin/env bash
# What an idle client costs pgmux in resident memory, on a fresh pgmux and after a throughput run.
#
#   bench/idle-memory.sh [CLIENTS]          (default 10000)
#
# Needs the private Postgres of `bench/compare.sh up` (same BENCH_DIR and PG_PORT). Starts its own
# pgmux on 127.0.0.1:$IDLE_PORT with the JVM options pgmux is documented to run with
# (PGMUX_JAVA_OPTS overrides them), then twice, first on the fresh pgmux, then after
# `pgbench -S -M prepared -c 50` for THROUGHPUT_SECONDS through it:
#   1. one client runs SELECT 1 and leaves, so the pool and its servers exist; after a pause pgmux's
#      VmRSS is the baseline;
#   2. CLIENTS clients log in, each runs SELECT 1 once, and all stay idle (pgmux-bench run idle), in
#      two halves: VmRSS once the first half has settled, so that what the second half adds (the
#      cost of a client once the JIT has compiled the login path) is printed too;
#   3. once all are connected and 5 seconds have passed, VmRSS again ("at 5 s"), and once SETTLE_SECONDS
#      have passed (default 30), VmRSS again ("settled"): the login storm's transient memory (the JIT
#      compiling the login path, freed native memory the C library still holds) is gone by then if
#      the JVM gives it back; then the heap histogram (jcmd GC.class_histogram, which runs a full GC
#      first) goes to $BENCH_DIR/idle-histogram-*.txt.
# Prints baseline, loaded RSS and (loaded - baseline) / CLIENTS at 5 s and settled, and the
# histogram's top classes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

CLIENTS=${1:-10000}
BENCH_DIR=${BENCH_DIR:-/tmp/pgmux-bench}
PG_PORT=${PG_PORT:-15432}
IDLE_PORT=${IDLE_PORT:-16442}
THROUGHPUT_SECONDS=${THROUGHPUT_SECONDS:-10}
SETTLE_SECONDS=${SETTLE_SECONDS:-30}
# The options of the README's command and the Docker image (keep them in step); set it empty for the JVM's defaults.
PGMUX_JAVA_OPTS=${PGMUX_JAVA_OPTS--XX:+UseSerialGC -Xmn24m -XX:TrimNativeHeapInterval=5000}
pgmux_jar=${PGMUX_JAR:-$root/proxy/target/pgmux.jar}
bench_jar=${BENCH_JAR:-$root/bench/target/pgmux-bench.jar}
bindir=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || dirname "$(command -v pgbench)")}

say() { echo "idle-memory.sh: $*" >&2; }
die() { say "$*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
established() { ss -Htn state established "( sport = :$IDLE_PORT )" | wc -l; }

[ -f "$pgmux_jar" ] && [ -f "$bench_jar" ] || die "build first: mvn -q -B -DskipTests package"
port_open "$PG_PORT" || die "no Postgres on 127.0.0.1:$PG_PORT: run bench/compare.sh up first"
port_open "$IDLE_PORT" && die "127.0.0.1:$IDLE_PORT is in use (set IDLE_PORT)"
hard=$(ulimit -Hn)
ulimit -n "$hard"
[ "$hard" = unlimited ] || [ "$hard" -gt $((CLIENTS + 1000)) ] || die "open-file limit $hard is too low for $CLIENTS clients"

mkdir -p "$BENCH_DIR"
cat >"$BENCH_DIR/idle-pgmux.yaml" <<EOF
# Written by bench/idle-memory.sh
listen: "127.0.0.1:$IDLE_PORT"
upstream: "127.0.0.1:$PG_PORT"
pool_mode: transaction
pool_size: 20
max_client_connections: $((CLIENTS + 1000))
http:
  listen: ""
EOF

say "pgmux: java $PGMUX_JAVA_OPTS -jar $pgmux_jar"
# shellcheck disable=SC2086
setsid java $PGMUX_JAVA_OPTS -jar "$pgmux_jar" -c "$BENCH_DIR/idle-pgmux.yaml" >"$BENCH_DIR/idle-pgmux.log" 2>&1 </dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do port_open "$IDLE_PORT" && break; sleep 0.2; done
port_open "$IDLE_PORT" || { tail -20 "$BENCH_DIR/idle-pgmux.log" >&2; die "pgmux did not start"; }

bench() { exec java -jar "$bench_jar" run "$@" -t "127.0.0.1:$IDLE_PORT" --no-setup; }

# Waits until COUNT client connections are established (the runner RUNNER is making them).
wait_established() {
    local count=$1 runner=$2 deadline=$((SECONDS + 300))
    while [ "$(established)" -lt "$count" ]; do
        [ $SECONDS -lt $deadline ] || { kill "$runner"; die "$count clients did not connect in 300 s"; }
        sleep 1
    done
}

measure() {
    local label=$1 base halfway loaded settled hist
    (bench select1 -c 1 -T 1s --warmup 0s >/dev/null)
    sleep 3
    base=$(rss_kb "$pid")
    # In two halves: what the second half adds is what a client costs once the login path has been
    # compiled and its classes loaded (which the first half pays, once).
    local half=$((CLIENTS / 2))
    (bench idle -c "$half" -T 600s >"$BENCH_DIR/idle-run-$label-1.txt" 2>&1) &
    local runner1=$!
    wait_established "$half" $runner1
    sleep "$SETTLE_SECONDS"
    halfway=$(rss_kb "$pid")
    (bench idle -c "$((CLIENTS - half))" -T 600s >"$BENCH_DIR/idle-run-$label-2.txt" 2>&1) &
    local runner2=$!
    wait_established "$CLIENTS" $runner2
    sleep 5
    loaded=$(rss_kb "$pid")
    sleep $((SETTLE_SECONDS > 5 ? SETTLE_SECONDS - 5 : 0))
    settled=$(rss_kb "$pid")
    hist="$BENCH_DIR/idle-histogram-$label.txt"
    jcmd "$pid" GC.class_histogram >"$hist"
    kill $runner1 $runner2 2>/dev/null || true
    wait $runner1 $runner2 2>/dev/null || true
    while [ "$(established)" -gt 0 ]; do sleep 1; done
    printf '%-18s baseline %7.1f MB   %s idle clients at 5 s %7.1f MB, settled %7.1f MB   per client %6.2f kB at 5 s, %6.2f kB settled\n' \
        "$label" "$(echo "$base / 1024" | bc -l)" "$CLIENTS" "$(echo "$loaded / 1024" | bc -l)" "$(echo "$settled / 1024" | bc -l)" \
        "$(echo "($loaded - $base) / $CLIENTS" | bc -l)" "$(echo "($settled - $base) / $CLIENTS" | bc -l)"
    printf '%-18s first %s clients settled %7.1f MB; the second %s add %6.2f kB per client\n' "" "$half" \
        "$(echo "$halfway / 1024" | bc -l)" "$((CLIENTS - half))" "$(echo "($settled - $halfway) / ($CLIENTS - $half)" | bc -l)"
    echo "  heap histogram (after a full GC), top classes: $hist"
    sed -n '1,3p;4,18p' "$hist" | sed 's/^/    /'
}

measure fresh
say "throughput: pgbench -S -M prepared -c 50 -j 2 -T $THROUGHPUT_SECONDS through pgmux"
if ! "$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc 'SELECT 1 FROM pgbench_accounts LIMIT 1' postgres >/dev/null 2>&1; then
    "$bindir/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1 || die "pgbench -i failed"
fi
"$bindir/pgbench" -h 127.0.0.1 -p "$IDLE_PORT" -U postgres -S -M prepared -c 50 -j 2 -T "$THROUGHPUT_SECONDS" postgres \
    | grep -E '^tps' || true
measure after-throughput
