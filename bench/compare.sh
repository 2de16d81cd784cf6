#!/usr/bin/env bash
# Stands up the comparison on loopback, runs it, tears it down.
#
#   bench/compare.sh [compare] [pgmux-bench compare options...]   up, compare, down (the default)
#   bench/compare.sh up                                           start the targets and leave them running
#   bench/compare.sh down                                         stop them and delete the cluster
#   bench/compare.sh status                                       what is running
#   bench/compare.sh restart-postgres                             restart the private cluster (fast mode)
#
# Targets, all with the same pool (POOL_SIZE server connections, POOL_MODE pooling):
#   direct     a private Postgres cluster made with initdb in $BENCH_DIR/pg on 127.0.0.1:$PG_PORT,
#              max_connections=$MAX_CONNECTIONS so that 1,000 direct clients fit
#   pgmux      java -jar proxy/target/pgmux.jar on 127.0.0.1:$PGMUX_PORT (built first if missing)
#   pgbouncer  only when PGBOUNCER=/path/to/pgbouncer is set (build or install it yourself; >= 1.21
#              for max_prepared_statements), on 127.0.0.1:$PGBOUNCER_PORT
#
# Ports are off the usual 5432/6432/6433 so that the comparison never meets a real Postgres or
# pooler on this machine.
#
# Environment (defaults in brackets):
#   PGBOUNCER [unset]  BENCH_DIR [/tmp/pgmux-bench]  PG_PORT [15432]  PGMUX_PORT [16432]
#   PGBOUNCER_PORT [16433]  POOL_SIZE [20]  POOL_MODE [transaction]  MAX_CONNECTIONS [1100]
#   PG_BINDIR [pg_config --bindir, else the newest /usr/lib/postgresql/*/bin]
#   PGMUX_JAVA_OPTS [empty: the JVM's defaults, as `java -jar` gives a user]
#   PGMUX_JAR [proxy/target/pgmux.jar]: another build of pgmux to measure (e.g. a copy of the last release's)
#   PGMUX_HTTP_PORT [empty: none]: serve pgmux's /metrics on 127.0.0.1:PGMUX_HTTP_PORT (bench/soak.sh does)
#   CLIENT_TLS [empty: plaintext]: `require` gives every target the same self-signed certificate (made
#              with openssl in $BENCH_DIR/tls: Postgres `ssl = on`, pgmux `client_tls`, PgBouncer
#              `client_tls_sslmode`; each still accepts plaintext; the poolers speak plaintext to
#              Postgres, so only the client side differs from a plain run) and runs the comparison with
#              PGSSLMODE=require, so the pgbench-* workloads use TLS. The load generator's own
#              scenarios (select1, tpcb, ...) do not speak TLS: give only pgbench-* workloads (-w).
#
# File descriptors: 10,000 idle clients need more than 10,000 descriptors in the load generator, in
# pgmux and in PgBouncer. This script raises its soft limit (`ulimit -n`) to the hard limit, which
# every process it starts inherits; if the hard limit is under 12,000 it says so (raise it in
# /etc/security/limits.conf, or with `ulimit -Hn` as root, or in systemd's LimitNOFILE).
#
# When run as root, Postgres and PgBouncer run as the `postgres` OS user (neither runs as root).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

BENCH_DIR=${BENCH_DIR:-/tmp/pgmux-bench}
PG_PORT=${PG_PORT:-15432}
PGMUX_PORT=${PGMUX_PORT:-16432}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-16433}
POOL_SIZE=${POOL_SIZE:-20}
POOL_MODE=${POOL_MODE:-transaction}
MAX_CONNECTIONS=${MAX_CONNECTIONS:-1100}
PGBOUNCER=${PGBOUNCER:-}
PGMUX_JAVA_OPTS=${PGMUX_JAVA_OPTS:-}
PGMUX_HTTP_PORT=${PGMUX_HTTP_PORT:-}
CLIENT_TLS=${CLIENT_TLS:-}
MAX_CLIENTS=12000

pgdata=$BENCH_DIR/pg
pgmux_jar=${PGMUX_JAR:-$root/proxy/target/pgmux.jar}
bench_jar=${BENCH_JAR:-$root/bench/target/pgmux-bench.jar}

say() { echo "compare.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Runs a command as the postgres OS user when root. runuser resets the open-file soft limit (PAM),
# so the command raises it again to this shell's.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- sh -c 'ulimit -n "$0" 2>/dev/null; exec "$@"' "$(ulimit -n)" "$@"
    else
        "$@"
    fi
}

pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    done
    die "no PostgreSQL server binaries (initdb): install the server or set PG_BINDIR"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
    local port=$1 what=$2 log=$3 i
    for i in $(seq 1 150); do
        if port_open "$port"; then return 0; fi
        sleep 0.2
    done
    say "$what did not start listening on 127.0.0.1:$port; the end of $log:"
    tail -n 30 "$log" >&2 || true
    return 1
}

# One self-signed certificate for 127.0.0.1 that every target serves (pgbench's sslmode=require
# does not check it), readable by the postgres user; Postgres wants its key private to its owner.
make_certificate() {
    local tls=$BENCH_DIR/tls
    mkdir -p "$tls"
    if [ ! -f "$tls/server.crt" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
            -keyout "$tls/server.key" -out "$tls/server.crt" >"$BENCH_DIR/openssl.log" 2>&1 \
            || { cat "$BENCH_DIR/openssl.log" >&2; die "openssl could not make a certificate"; }
    fi
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$tls"; fi
    chmod 600 "$tls/server.key"
}

raise_fd_limit() {
    local hard
    hard=$(ulimit -Hn)
    if [ "$hard" != unlimited ]; then
        ulimit -n "$hard"
    else
        ulimit -n 1048576 2>/dev/null || true
    fi
    if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$MAX_CLIENTS" ]; then
        say "warning: open-file limit is $(ulimit -n): idle@10000 needs over 10,000 per process;"
        say "         raise the hard limit (limits.conf nofile, or ulimit -Hn as root) and run again"
    fi
}

up() {
    [ -f "$pgmux_jar" ] && [ -f "$bench_jar" ] || (cd "$root" && say "building (mvn package)" && mvn -q -B -DskipTests package)
    [ -f "$pgmux_jar" ] || die "PGMUX_JAR=$pgmux_jar does not exist"
    for port in "$PG_PORT" "$PGMUX_PORT"; do
        port_open "$port" && die "127.0.0.1:$port is already in use (a previous run? try: $0 down; or set PG_PORT/PGMUX_PORT)"
    done
    if [ -n "$PGBOUNCER" ]; then
        [ -x "$PGBOUNCER" ] || die "PGBOUNCER=$PGBOUNCER is not an executable"
        port_open "$PGBOUNCER_PORT" && die "127.0.0.1:$PGBOUNCER_PORT is already in use (set PGBOUNCER_PORT)"
    fi
    raise_fd_limit
    local bindir
    bindir=$(pg_bindir)

    mkdir -p "$BENCH_DIR"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$BENCH_DIR"; fi
    chmod 755 "$BENCH_DIR"
    case "$CLIENT_TLS" in
        '') ;;
        require) make_certificate ;;
        *) die "CLIENT_TLS=$CLIENT_TLS: only require (or empty) is known" ;;
    esac

    # --- direct: a private Postgres -------------------------------------------------------------
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        say "initdb $pgdata"
        as_pg "$bindir/initdb" -D "$pgdata" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$BENCH_DIR/initdb.log" 2>&1 \
            || { cat "$BENCH_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    # We measure the poolers, not the disk: durability is off, for every target alike.
    as_pg tee "$pgdata/postgresql.auto.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pgdata'
max_connections = $MAX_CONNECTIONS
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
    if [ -n "$CLIENT_TLS" ]; then
        as_pg tee -a "$pgdata/postgresql.auto.conf" >/dev/null <<EOF
ssl = on
ssl_cert_file = '$BENCH_DIR/tls/server.crt'
ssl_key_file = '$BENCH_DIR/tls/server.key'
EOF
    fi
    say "starting Postgres on 127.0.0.1:$PG_PORT (max_connections=$MAX_CONNECTIONS)"
    as_pg "$bindir/pg_ctl" -D "$pgdata" -l "$pgdata/postgresql.log" -w -t 60 start >/dev/null \
        || { tail -n 30 "$pgdata/postgresql.log" >&2; die "Postgres did not start"; }

    # --- pgmux ----------------------------------------------------------------------------------
    cat >"$BENCH_DIR/pgmux.yaml" <<EOF
# Written by bench/compare.sh
listen: "127.0.0.1:$PGMUX_PORT"
upstream: "127.0.0.1:$PG_PORT"
pool_mode: $POOL_MODE
pool_size: $POOL_SIZE
max_client_connections: $MAX_CLIENTS
http:
  listen: "${PGMUX_HTTP_PORT:+127.0.0.1:$PGMUX_HTTP_PORT}"   # none unless asked: 9127 may be another pgmux's
EOF
    if [ -n "$CLIENT_TLS" ]; then
        cat >>"$BENCH_DIR/pgmux.yaml" <<EOF
client_tls:
  mode: prefer
  cert_file: $BENCH_DIR/tls/server.crt
  key_file: $BENCH_DIR/tls/server.key
server_tls:
  sslmode: disable
EOF
    fi
    say "starting pgmux on 127.0.0.1:$PGMUX_PORT (pool_size $POOL_SIZE, $POOL_MODE mode)"
    # In a session of its own, detached from the caller's, as pg_ctl starts Postgres and `pgbouncer -d`
    # starts PgBouncer. Left in the session of the shell that ran this script, pgmux showed single
    # clients stalling for 100-350 ms on our benchmark machine (max latency 10-15 ms in a session of
    # its own: same build, same load, A/B repeated); the cause is outside pgmux, and setsid keeps the
    # comparison even. (Not nohup: it makes the JVM ignore SIGHUP, which pgmux uses for reloads.)
    # shellcheck disable=SC2086
    setsid java -XX:+ExitOnOutOfMemoryError $PGMUX_JAVA_OPTS -jar "$pgmux_jar" -c "$BENCH_DIR/pgmux.yaml" >"$BENCH_DIR/pgmux.log" 2>&1 </dev/null &
    echo $! >"$BENCH_DIR/pgmux.pid"
    wait_port "$PGMUX_PORT" pgmux "$BENCH_DIR/pgmux.log"

    # --- PgBouncer --------------------------------------------------------------------------------
    if [ -n "$PGBOUNCER" ]; then
        local dir=$BENCH_DIR/pgbouncer
        mkdir -p "$dir"
        echo '"postgres" ""' >"$dir/userlist.txt"
        cat >"$dir/pgbouncer.ini" <<EOF
; Written by bench/compare.sh: the same pool as pgmux's
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = $POOL_MODE
default_pool_size = $POOL_SIZE
max_client_conn = $MAX_CLIENTS
max_prepared_statements = 200
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
        if [ -n "$CLIENT_TLS" ]; then
            cat >>"$dir/pgbouncer.ini" <<EOF
client_tls_sslmode = prefer
client_tls_cert_file = $BENCH_DIR/tls/server.crt
client_tls_key_file = $BENCH_DIR/tls/server.key
server_tls_sslmode = disable
EOF
        fi
        if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
        say "starting PgBouncer ($("$PGBOUNCER" --version | head -n 1)) on 127.0.0.1:$PGBOUNCER_PORT"
        as_pg "$PGBOUNCER" -d "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 \
            || { cat "$dir/stdout.log" >&2; die "PgBouncer did not start"; }
        wait_port "$PGBOUNCER_PORT" PgBouncer "$dir/pgbouncer.log"
    fi
    status
}

down() {
    local bindir
    if [ -f "$BENCH_DIR/pgbouncer/pgbouncer.pid" ]; then
        kill "$(cat "$BENCH_DIR/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
        rm -f "$BENCH_DIR/pgbouncer/pgbouncer.pid"
    fi
    if [ -f "$BENCH_DIR/pgmux.pid" ]; then
        kill "$(cat "$BENCH_DIR/pgmux.pid")" 2>/dev/null || true
        rm -f "$BENCH_DIR/pgmux.pid"
    fi
    if [ -f "$pgdata/postmaster.pid" ]; then
        bindir=$(pg_bindir)
        as_pg "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$pgdata"
    say "stopped; the cluster is deleted, the logs stay in $BENCH_DIR"
}

restart_postgres() {
    as_pg "$(pg_bindir)/pg_ctl" -D "$pgdata" -l "$pgdata/postgresql.log" -m fast -w -t 60 restart >/dev/null
}

status() {
    port_open "$PG_PORT" && say "direct    = 127.0.0.1:$PG_PORT (Postgres, $pgdata)" || say "direct    : not running"
    port_open "$PGMUX_PORT" && say "pgmux     = 127.0.0.1:$PGMUX_PORT (log $BENCH_DIR/pgmux.log)" || say "pgmux     : not running"
    if [ -n "$PGBOUNCER" ]; then
        port_open "$PGBOUNCER_PORT" && say "pgbouncer = 127.0.0.1:$PGBOUNCER_PORT" || say "pgbouncer : not running"
    fi
}

targets() {
    local t="direct=127.0.0.1:$PG_PORT pgmux=127.0.0.1:$PGMUX_PORT"
    if [ -n "$PGBOUNCER" ]; then t="$t pgbouncer=127.0.0.1:$PGBOUNCER_PORT"; fi
    echo "$t"
}

compare() {
    up
    trap down EXIT
    local note="pool_size $POOL_SIZE, $POOL_MODE mode; Postgres max_connections $MAX_CONNECTIONS, fsync off"
    if [ -n "$PGBOUNCER" ]; then note="$note; $("$PGBOUNCER" --version | head -n 1)"; fi
    if [ -n "$CLIENT_TLS" ]; then
        note="$note; clients over TLS (PGSSLMODE=$CLIENT_TLS)"
        export PGSSLMODE=$CLIENT_TLS
    fi
    # shellcheck disable=SC2046
    java -jar "$bench_jar" compare $(targets) --max-clients "direct=$((MAX_CONNECTIONS - 100))" --note "$note" "$@"
}

case "${1:-compare}" in
    up) up ;;
    down) down ;;
    status) status ;;
    restart-postgres) restart_postgres ;;
    compare) [ $# -gt 0 ] && shift; compare "$@" ;;
    -*) compare "$@" ;;
    *) die "unknown command '$1': compare (default), up, down or status" ;;
esac
