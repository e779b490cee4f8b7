# Shared by .ci/serve, .ci/test and .ci/run: paths, caches, and a PostgreSQL that answers.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# One build cache that survives clean clones (CI clones afresh every run).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/switchboard/target}
# wasm-opt from npm's binaryen (Debian's is too old and breaks hydration).
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export SERVER_BIN="$CARGO_TARGET_DIR/release/server"
export SITE_ROOT="$ROOT/target/site"

say() { echo "[switchboard] $*" >&2; }

# Makes sure a PostgreSQL answers on $PGHOST:$PGPORT: the machine's, started if stopped; or a
# private cluster in .pgdata; or (as root) one installed from Debian's packages.
ensure_postgres() {
  if pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local v; v=$(ls /etc/postgresql | sort -V | tail -n1)
    say "PostgreSQL was not answering: starting the system cluster $v/main"
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  fi
  if pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then return 0; fi
  local bindir; bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$bindir" ] && [ "$(id -u)" = 0 ]; then
    say "no PostgreSQL found: installing Debian's postgresql"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    local v; v=$(ls /etc/postgresql | sort -V | tail -n1)
    sed -i 's/^\(host.*\)scram-sha-256$/\1trust/; s/^\(local.*\)peer$/\1trust/' "/etc/postgresql/$v/main/pg_hba.conf"
    pg_ctlcluster --skip-systemctl-redirect "$v" main start
  elif [ -n "$bindir" ] && [ "$(id -u)" != 0 ]; then
    if [ ! -d "$ROOT/.pgdata" ]; then
      say "starting a private PostgreSQL cluster in $ROOT/.pgdata"
      "$bindir/initdb" -D "$ROOT/.pgdata" -U postgres -A trust >/dev/null
    fi
    "$bindir/pg_ctl" -D "$ROOT/.pgdata" -l "$ROOT/.pgdata/server.log" -o "-p $PGPORT -k /tmp -h $PGHOST" -w start
  fi
  for _ in $(seq 1 30); do
    pg_isready -q -h "$PGHOST" -p "$PGPORT" && return 0
    sleep 1
  done
  say "PostgreSQL does not answer on $PGHOST:$PGPORT; set DATABASE_URL to one that does"
  return 1
}

# The release build: server binary plus the hydrating WASM, hashed and precompressed.
build_release() {
  (cd "$ROOT" && cargo leptos build --release --precompress --split)
}
