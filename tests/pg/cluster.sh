#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite (issue 16).
#
#   bash tests/pg/cluster.sh start        prints shell `export` lines on stdout (everything else
#                                         goes to stderr): SERVICEFIT_TEST_POSTGRES, a server URL
#                                         whose user may CREATE DATABASE, and SERVICEFIT_PG_DIR,
#                                         the cluster's directory (empty when none was started)
#   bash tests/pg/cluster.sh stop DIR     stops the cluster started in DIR and deletes DIR; an
#                                         empty DIR does nothing
#   bash tests/pg/cluster.sh run CMD...   start, run CMD with the variables set, stop; exits
#                                         with CMD's status, e.g. `... run cargo test --test api`
#   bash tests/pg/cluster.sh crash DIR    stops the cluster in DIR at once, as a power cut or a
#                                         killed server would (`pg_ctl stop -m immediate`: no
#                                         checkpoint; the next start replays the WAL)
#   bash tests/pg/cluster.sh restart DIR  starts the cluster in DIR again, on the same port
#
# In a script under `set -e`, assign first so a failed start stops the script:
#
#   pg_env="$(bash tests/pg/cluster.sh start)"
#   eval "$pg_env"
#   trap 'bash tests/pg/cluster.sh stop "$SERVICEFIT_PG_DIR"' EXIT
#
# (`eval "$(... start)"` works too: a failed start prints `false`, so the eval fails.)
#
# When SERVICEFIT_TEST_POSTGRES is already set, that server is used as it is: nothing is started
# and SERVICEFIT_PG_DIR is empty. Otherwise the PostgreSQL binaries are looked for in
# $SERVICEFIT_PG_BINDIR, /usr/lib/postgresql/*/bin (newest first), `pg_config --bindir` and PATH,
# and installed from the OS packages (apt-get, as root or through sudo) when there are none,
# unless SERVICEFIT_PG_NO_INSTALL is set (then `start` fails instead: the tests that start a
# cluster of their own set it).
# The cluster: a temporary directory, `initdb -A trust -U postgres` (encoding UTF8, locale C,
# or $SERVICEFIT_PG_LOCALE), listening on 127.0.0.1 at a free port and on a Unix socket in its
# own directory only, max_connections=500 (a parallel suite runs dozens of apps, each with a
# pool of several connections), max_wal_size=256MB (each CREATE DATABASE writes its ~7.5 MB
# copy of the template to the WAL; a smaller WAL keeps the disk use down). fsync and
# synchronous_commit stay on: the durability tests rely on them. As root, initdb and pg_ctl run as the `postgres` user (they refuse root).
set -euo pipefail

marker=".servicefit-test-cluster"

say() { printf '%s\n' "$*" >&2; }
die() {
  say "tests/pg/cluster.sh: $*"
  exit 1
}

usage() {
  say "usage: bash tests/pg/cluster.sh start | stop DIR | crash DIR | restart DIR | run CMD..."
  exit 2
}

# Runs a command as the user that owns the cluster: the `postgres` user when we are root.
as_pg() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

# A directory holding initdb, pg_ctl and postgres, or nothing.
find_bindir() {
  local dir candidates=()
  if [ -n "${SERVICEFIT_PG_BINDIR:-}" ]; then
    candidates+=("$SERVICEFIT_PG_BINDIR")
  fi
  # Debian and Ubuntu: one directory per major version; the newest first.
  while IFS= read -r dir; do
    candidates+=("$dir")
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rV)
  if command -v pg_config >/dev/null 2>&1; then
    candidates+=("$(pg_config --bindir 2>/dev/null || true)")
  fi
  if command -v initdb >/dev/null 2>&1; then
    candidates+=("$(dirname "$(command -v initdb)")")
  fi
  for dir in "${candidates[@]}"; do
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  if ! command -v apt-get >/dev/null 2>&1; then
    die "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found, and this is not a Debian or
Ubuntu system, so they cannot be installed here. Install the PostgreSQL server and its contrib
modules (pg_trgm), e.g. 'dnf install postgresql-server postgresql-contrib' or
'brew install postgresql@16', then run again (SERVICEFIT_PG_BINDIR=DIR names their directory),
or set SERVICEFIT_TEST_POSTGRES=postgres://USER@HOST:PORT/postgres to use a running server."
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 ||
      die "PostgreSQL is not installed and installing it needs root: run
'apt-get update && apt-get install -y postgresql' as root, or set
SERVICEFIT_TEST_POSTGRES=postgres://USER@HOST:PORT/postgres to use a running server."
    sudo=(sudo)
  fi
  say "== installing PostgreSQL from the OS packages (apt-get install postgresql)"
  # The package's own scripts may start a cluster of their own on port 5432; ours does not use it.
  "${sudo[@]}" apt-get update >&2 ||
    die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2 ||
    die "apt-get install postgresql failed"
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  return 1
}

psql_in() {
  local bindir="$1"
  shift
  local psql="$bindir/psql"
  [ -x "$psql" ] || psql="$(command -v psql || true)"
  [ -n "$psql" ] || return 127
  "$psql" -X -v ON_ERROR_STOP=1 -q -At "$@"
}

# pg_trgm is a contrib module: present on Debian with the `postgresql` package, a separate
# package elsewhere. CREATE EXTENSION is transactional, so the check leaves nothing behind.
check_trgm() {
  local bindir="$1" url="$2"
  psql_in "$bindir" "$url" -c 'BEGIN; CREATE EXTENSION pg_trgm; ROLLBACK;' >&2
}

# The server's settings (see the header): its port, its socket directory DIR, and the rest.
server_options() {
  printf '%s' "-p $1 -k '$2' -c listen_addresses=127.0.0.1 -c max_connections=500 -c shared_buffers=128MB -c max_wal_size=256MB"
}

emit() {
  printf 'export SERVICEFIT_TEST_POSTGRES=%q\n' "$1"
  printf 'export SERVICEFIT_PG_DIR=%q\n' "$2"
}

start() {
  if [ -n "${SERVICEFIT_TEST_POSTGRES:-}" ]; then
    say "== using the PostgreSQL server in SERVICEFIT_TEST_POSTGRES (nothing started)"
    local bindir
    bindir="$(find_bindir || true)"
    if [ -x "${bindir:-/nonexistent}/psql" ] || command -v psql >/dev/null 2>&1; then
      psql_in "${bindir:-/nonexistent}" "$SERVICEFIT_TEST_POSTGRES" -c 'SELECT 1' >/dev/null ||
        die "cannot connect to SERVICEFIT_TEST_POSTGRES"
      check_trgm "${bindir:-/nonexistent}" "$SERVICEFIT_TEST_POSTGRES" ||
        die "the server in SERVICEFIT_TEST_POSTGRES cannot CREATE EXTENSION pg_trgm (install its contrib modules; the user must be allowed to create it)"
    else
      say "   (no psql here: the server was not checked)"
    fi
    emit "$SERVICEFIT_TEST_POSTGRES" ""
    return 0
  fi

  local bindir
  if ! bindir="$(find_bindir)"; then
    [ -z "${SERVICEFIT_PG_NO_INSTALL:-}" ] ||
      die "no PostgreSQL server binaries found, and SERVICEFIT_PG_NO_INSTALL forbids installing them"
    install_postgres
    bindir="$(find_bindir)" || die "PostgreSQL was installed but its binaries were not found"
  fi

  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root, and initdb refuses root, but there is no 'postgres' user to run it as:
create one ('useradd --system --create-home postgres') or run as an ordinary user"
  fi

  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/servicefit-pg.XXXXXX")"
  touch "$dir/$marker"
  printf '%s\n' "$bindir" >"$dir/bindir"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$dir"
    if ! as_pg test -w "$dir"; then
      rm -rf "$dir"
      die "the postgres user cannot write to $dir (is TMPDIR under a private directory? try TMPDIR=/tmp)"
    fi
  fi

  # From here on a failure stops what was started and removes the directory.
  fail() {
    say "tests/pg/cluster.sh: $*"
    if [ -f "$dir/log" ]; then
      say "== PostgreSQL log (last 30 lines)"
      tail -n 30 "$dir/log" >&2 || true
    fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    exit 1
  }

  local locale="${SERVICEFIT_PG_LOCALE:-C}"
  as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale="$locale" \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    fail "initdb failed"
  }

  local port="" started=""
  for _ in 1 2 3 4 5; do
    port="$(free_port)" || fail "no free TCP port found"
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "$(server_options "$port" "$dir")" \
      start >/dev/null 2>&1; then
      started=yes
      break
    fi
    # Another process took the port between the check and the bind: try another one.
    grep -q 'could not bind\|Address already in use' "$dir/log" 2>/dev/null || break
  done
  [ -n "$started" ] || fail "PostgreSQL did not start"
  printf '%s\n' "$port" >"$dir/port"

  local url="postgres://postgres@127.0.0.1:$port/postgres"
  check_trgm "$bindir" "$url" ||
    fail "the pg_trgm extension is not available (install PostgreSQL's contrib modules)"

  local version
  version="$(psql_in "$bindir" "$url" -c 'SHOW server_version')" || version="?"
  say "== PostgreSQL $version at $url (directory $dir); stop with: bash tests/pg/cluster.sh stop $dir"
  emit "$url" "$dir"
}

stop() {
  local dir="${1-}"
  [ -n "$dir" ] || return 0 # an external server, or none was started
  [ -d "$dir" ] || return 0
  # Delete only what `start` made.
  [ -f "$dir/$marker" ] || die "$dir is not a cluster directory made by tests/pg/cluster.sh; left alone"
  local bindir
  bindir="$(cat "$dir/bindir" 2>/dev/null || true)"
  if [ -f "$dir/data/postmaster.pid" ] && [ -x "$bindir/pg_ctl" ]; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 ||
      say "tests/pg/cluster.sh: could not stop the cluster in $dir"
  fi
  rm -rf "$dir"
  say "== PostgreSQL test cluster stopped ($dir)"
}

# The binaries' directory of the cluster in DIR, which `start` made.
cluster_bindir() {
  local dir="${1-}"
  if [ -z "$dir" ] || [ ! -f "$dir/$marker" ]; then
    die "${dir:-(none)} is not a cluster directory made by tests/pg/cluster.sh"
  fi
  cat "$dir/bindir"
}

crash() {
  local dir="${1-}" bindir
  bindir="$(cluster_bindir "$dir")"
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null ||
    die "could not stop the cluster in $dir"
  say "== PostgreSQL test cluster stopped at once ($dir)"
}

restart() {
  local dir="${1-}" bindir port
  bindir="$(cluster_bindir "$dir")"
  port="$(cat "$dir/port")"
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "$(server_options "$port" "$dir")" \
    start >/dev/null || die "the cluster in $dir did not start again (see $dir/log)"
  say "== PostgreSQL test cluster started again on port $port ($dir)"
}

run() {
  [ "$#" -ge 1 ] || usage
  local env status=0
  env="$(start)" || exit 1
  eval "$env"
  # shellcheck disable=SC2064 # the directory is known now
  trap "bash $(printf '%q' "$0") stop $(printf '%q' "$SERVICEFIT_PG_DIR")" EXIT
  "$@" || status=$?
  exit "$status"
}

case "${1-}" in
start)
  # A failed start prints `false` for the caller's `eval "$(... start)"`.
  trap '[ $? -eq 0 ] || echo false' EXIT
  start
  ;;
stop)
  [ "$#" -eq 2 ] || usage
  stop "$2"
  ;;
crash)
  [ "$#" -eq 2 ] || usage
  crash "$2"
  ;;
restart)
  [ "$#" -eq 2 ] || usage
  restart "$2"
  ;;
run)
  shift
  run "$@"
  ;;
*) usage ;;
esac
