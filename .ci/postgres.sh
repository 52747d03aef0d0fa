#!/usr/bin/env bash
# CI for the portal on PostgreSQL, self-contained on Debian 12 (as root; also runs as a user with initdb in
# reach): installs Debian's postgresql and nginx if missing, starts a throwaway PostgreSQL cluster in its own data
# directory (loopback only, a free port, trust auth for the test user), then runs
#   - the store tests against both backends (SQLite and this PostgreSQL),
#   - the bounded load test: two portal instances behind nginx, duplicates submitted through both, a kill -9 of
#     one instance and a restart of PostgreSQL mid-load (portal/tests/postgres_cluster.rs),
#   - the benchmark table: submissions per second, SQLite (one instance) and PostgreSQL (one and two).
# Everything it started is stopped by PID in the trap, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
# shellcheck source=lib/cargo.sh
source .ci/lib/cargo.sh

ws_tested || bash scripts/setup.sh
need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
  # Debian starts the packages' own services on install (a "main" cluster on 5432, nginx on port 80) where an
  # init system lets it: this script did not mean to run them, so it stops them (by their PID files).
  pidfiles=()
  [[ " ${need[*]} " == *" postgresql "* ]] && pidfiles+=(/var/lib/postgresql/*/main/postmaster.pid)
  [[ " ${need[*]} " == *" nginx "* ]] && pidfiles+=(/run/nginx.pid)
  for pidfile in "${pidfiles[@]}"; do
    if [ -s "$pidfile" ]; then kill -TERM "$(head -n 1 "$pidfile")" 2>/dev/null || true; fi
  done
fi
pgbin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -n 1)")

work=$(mktemp -d /tmp/kazasu-postgres.XXXXXX)
chmod 755 "$work"
cleanup() {
  # The postmaster's PID is the first line of postmaster.pid (it changes when the load test restarts it).
  if [ -s "$work/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$work/data/postmaster.pid")
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# initdb and postgres refuse to run as root: as root they run as Debian's postgres user.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$work"
  as_pg=(runuser -u postgres --)
fi
port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "postgres.sh: no free port" >&2; exit 1; }

echo "== postgres: initdb ($pgbin) and start on 127.0.0.1:$port"
"${as_pg[@]}" "$pgbin/initdb" -D "$work/data" --username=kazasu --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
mkdir -p "$work/sock" && chown --reference="$work/data" "$work/sock"
pgopts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$work/sock -c max_connections=200"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -o "$pgopts" -w -t 60 start >/dev/null
export KAZASU_TEST_POSTGRES="postgres://kazasu@127.0.0.1:$port"
export KAZASU_TEST_POSTGRES_REQUIRED=1
# A crash-stop (immediate: no checkpoint, recovery from the WAL at start) and a start with the same options.
export KAZASU_TEST_PG_RESTART="${as_pg[*]} $pgbin/pg_ctl -D $work/data -l $work/postgres.log -m immediate -w -t 60 restart"
export KAZASU_TEST_NGINX=/usr/sbin/nginx

# The tests that need PostgreSQL alone are #[ignore]d in a plain `cargo test` (reported as ignored there, not as
# passed): here they run with --ignored. Their output also goes to scripts/test-all.sh's count of ignored tests.
ignored_log() { if [ -n "${KAZASU_IGNORED_LOGS:-}" ]; then tee "$KAZASU_IGNORED_LOGS/postgres-$1.log"; else cat; fi; }

echo "== postgres: store tests on SQLite and PostgreSQL"
ws test --test postgres_store -- --test-threads=2
ws test --test postgres_store -- --ignored 2>&1 | ignored_log store

echo "== postgres: two instances behind nginx, duplicates, kill -9, PostgreSQL restart (bounded)"
ws test --test postgres_cluster -- --ignored --nocapture --test-threads=1 2>&1 | ignored_log cluster

echo "== postgres: benchmark (submissions per second; debug build, same run)"
ws test --bench submissions

echo "== postgres: all passed in $(($(date +%s) - started)) s"
