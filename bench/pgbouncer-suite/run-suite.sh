#!/bin/bash
# Runs PgBouncer's own pytest files, unchanged, against pgmux: see README.md beside this file.
#   run-suite.sh PGBOUNCER_SOURCE_DIR [pytest arguments...]
# Environment: RUN_DIR (default /tmp/pgmux-pgbouncer-suite), PGMUX_JAR (default: the worktree's
# proxy/target/pgmux.jar), PYTEST (default: pytest on PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${1:?usage: run-suite.sh PGBOUNCER_SOURCE_DIR [pytest arguments...]}"
shift
for f in test/utils.py pyproject.toml include/bouncer.h config.mak; do
    [ -f "$src/$f" ] || { echo "no $f in $src (a configured PgBouncer source tree is needed)" >&2; exit 2; }
done
[ "$(id -u)" != 0 ] || { echo "run as a user other than root (the harness runs initdb)" >&2; exit 2; }
run="${RUN_DIR:-/tmp/pgmux-pgbouncer-suite}"
jar="${PGMUX_JAR:-$here/../../proxy/target/pgmux.jar}"
[ -f "$jar" ] || { echo "no $jar: mvn -B -o -q -DskipTests package" >&2; exit 2; }

# The harness runs TEST_DIR/../pgbouncer: a copy of test/ whose parent holds the adapter instead.
# It also reads ../include/bouncer.h (PgBouncer's password length limit) and ../config.mak (whether
# PgBouncer was built with TLS and LDAP), relative to the directory pytest runs in: test/.
rm -rf "$run"
mkdir -p "$run/include"
cp -r "$src/test" "$src/pyproject.toml" "$src/config.mak" "$run/"
cp "$src/include/bouncer.h" "$run/include/"
cp "$jar" "$run/pgmux.jar"                 # a rebuild during the run does not change the pgmux under test
cp "$here/pgbouncer" "$run/pgbouncer"
chmod +x "$run/pgbouncer"

# A class data archive from one start of pgmux: the harness gives a started pooler 5 s to answer,
# which a JVM on a busy 2-core machine misses without it. The adapter uses it when it is there.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf 'listen: 127.0.0.1:%s\nunix_socket_dir: ""\nhttp:\n  listen: ""\n' "$port" > "$run/training.yaml"
java -XX:ArchiveClassesAtExit="$run/pgmux.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -XX:TieredStopAtLevel=1 \
    -XX:+UseSerialGC -jar "$run/pgmux.jar" -c "$run/training.yaml" > "$run/training.log" 2>&1 &
training=$!
for _ in $(seq 1 600); do grep -q 'listening on 127' "$run/training.log" && break; sleep 0.1; done
kill -TERM "$training"
wait "$training" || true
[ -f "$run/pgmux.jsa" ] || echo "no class data archive (see $run/training.log): pgmux starts slower" >&2

cd "$run/test"
export PYTHONIOENCODING=utf8
exec "${PYTEST:-pytest}" -p no:cacheprovider "$@"
