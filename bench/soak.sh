#!/usr/bin/env bash
# A long mixed run against pgmux with its memory, descriptors and pool slots sampled every 10 s:
# after warm-up they must stay flat (issue: faults and bounded memory). Not part of CI.
#
#   bench/soak.sh                      30 minutes, Postgres restarted halfway
#   SOAK_MINUTES=5 bench/soak.sh       a short one
#
# It stands pgmux and a private Postgres up with bench/compare.sh (same ports and settings, plus
# pgmux's /metrics on 127.0.0.1:$PGMUX_HTTP_PORT), then runs at once, each in a loop until the end:
#   transactions  pgbench's read-write script, -M prepared (named statements), 16 clients
#   churn         pgbench -S -C: a new connection for every transaction, 8 clients
#   copy          psql: COPY 20,000 rows out to a file and back in, then TRUNCATE, once a second
# and restarts Postgres halfway. `pgmux-bench soak` samples and writes $OUT/samples.csv and
# $OUT/report.html; its exit status says whether memory and descriptors stayed flat.
#
# Environment: SOAK_MINUTES [30]  WARM_UP_MINUTES [5]  OUT [pgmux-soak-results]
#   PGMUX_HTTP_PORT [16480], and compare.sh's (BENCH_DIR, PG_PORT, PGMUX_PORT, PGMUX_JAVA_OPTS, ...)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
SOAK_MINUTES=${SOAK_MINUTES:-30}
WARM_UP_MINUTES=${WARM_UP_MINUTES:-5}
OUT=${OUT:-pgmux-soak-results}
export BENCH_DIR=${BENCH_DIR:-/tmp/pgmux-bench}
export PG_PORT=${PG_PORT:-15432}
export PGMUX_PORT=${PGMUX_PORT:-16432}
export PGMUX_HTTP_PORT=${PGMUX_HTTP_PORT:-16480}
bench_jar=${BENCH_JAR:-$root/bench/target/pgmux-bench.jar}

say() { echo "soak.sh: $*" >&2; }

"$here/compare.sh" up
loads=()
stop_all() {
    for pid in "${loads[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$here/compare.sh" down
}
trap stop_all EXIT

say "pgbench -i -s 10 on the direct cluster"
pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -i -s 10 -q postgres >/dev/null 2>&1
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE TABLE soak_copy (id int, label text)" postgres

mkdir -p "$OUT"
events=$OUT/events.tsv
: >"$events"
end=$(( $(date +%s) + SOAK_MINUTES * 60 ))
remaining() { echo $(( end - $(date +%s) )); }

# Each load runs again when it ends early (the restart ends pgbench's clients) until the soak ends.
load_loop() {
    local name=$1; shift
    while [ "$(remaining)" -gt 2 ]; do
        "$@" >>"$OUT/$name.log" 2>&1 || true
        sleep 1
    done
}
transactions() { pgbench -h 127.0.0.1 -p "$PGMUX_PORT" -U postgres -n -M prepared -c 16 -j 1 -T "$(remaining)" postgres; }
churn() { pgbench -h 127.0.0.1 -p "$PGMUX_PORT" -U postgres -n -S -C -c 8 -j 1 -T "$(remaining)" postgres; }
copy_round() {
    psql -h 127.0.0.1 -p "$PGMUX_PORT" -U postgres -q postgres \
        -c "\\copy (SELECT g, md5(g::text) FROM generate_series(1, 20000) g) TO '$OUT/copy.csv' CSV" \
        -c "\\copy soak_copy FROM '$OUT/copy.csv' CSV" \
        -c "TRUNCATE soak_copy"
}

load_loop transactions transactions & loads+=($!)
load_loop churn churn & loads+=($!)
load_loop copy copy_round & loads+=($!)
(
    sleep $(( SOAK_MINUTES * 30 ))
    printf '%s\tPostgres restart\n' "$(date +%s.%N)" >>"$events"
    say "restarting Postgres (halfway)"
    "$here/compare.sh" restart-postgres
) & loads+=($!)

status=0
java -jar "$bench_jar" soak --pid "$(cat "$BENCH_DIR/pgmux.pid")" \
    --metrics "http://127.0.0.1:$PGMUX_HTTP_PORT/metrics" --duration "${SOAK_MINUTES}m" --every 10s \
    --warm-up "${WARM_UP_MINUTES}m" --events "$events" -o "$OUT" \
    --note "pgbench read-write -M prepared x16, pgbench -S -C x8, COPY 20,000 rows in and out every second; Postgres restarted halfway; PGMUX_JAVA_OPTS='${PGMUX_JAVA_OPTS:-}'" \
    || status=$?
for name in transactions churn copy; do
    say "$name: $(grep -ciE 'error|abort' "$OUT/$name.log" || true) error lines in $OUT/$name.log (the restart accounts for some)"
done
exit "$status"
