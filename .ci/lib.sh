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
# Incremental caches only help while editing; in CI runs they filled the disk (16 GB).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
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

# The build cache keeps every superseded artifact. Past TARGET_LIMIT_GB (default 25) the
# debug half (tests) is dropped and rebuilt: a few minutes, instead of a full disk.
prune_target() {
  local limit_kb=$(( ${TARGET_LIMIT_GB:-25} * 1024 * 1024 ))
  [ -d "$CARGO_TARGET_DIR" ] || return 0
  local used_kb; used_kb=$(du -sk "$CARGO_TARGET_DIR" | cut -f1)
  if [ "$used_kb" -gt "$limit_kb" ]; then
    say "build cache is $(( used_kb / 1024 / 1024 )) GB: dropping its debug artifacts"
    rm -rf "$CARGO_TARGET_DIR/debug" "$CARGO_TARGET_DIR/front/debug" \
      "$CARGO_TARGET_DIR/front/wasm32-unknown-unknown/debug"
  fi
}

# The release build: server binary plus the hydrating WASM, hashed and precompressed.
build_release() {
  (cd "$ROOT" && cargo leptos build --release --precompress --split)
  node "$ROOT/.ci/merge-wasm.mjs" "$SITE_ROOT/pkg"
  node "$ROOT/.ci/trim-wasm.mjs" "$SITE_ROOT/pkg"
}
