#!/usr/bin/env bash
# Installs what building, running and testing Heeler needs, and nothing twice:
# Debian packages that are missing, and the pinned embedded ClickHouse library.
# Safe to run on every `make`; it only does work when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # toolchain
  cmake ninja-build ccache g++ clang libclang-rt-14-dev clang-format pkg-config
  # libraries
  libboost-dev zlib1g-dev libzstd-dev liblz4-dev libsnappy-dev
  libsqlite3-dev libfmt-dev libcli11-dev libtomlplusplus-dev libxxhash-dev libmsgpack-cxx-dev
  nlohmann-json3-dev libsimdjson-dev libssl-dev libcurl4-openssl-dev libre2-dev
  protobuf-compiler libprotobuf-dev libgrpc++-dev protobuf-compiler-grpc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus  # scrapes and remote-writes to Heeler in the remote-write test
  # the web UI's browser tests (driven by playwright-core; no browser is downloaded)
  chromium
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# Node.js (UI build, real-client tests): any installed node/npm will do; a machine
# without them gets Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The embedded engine: libchdb from the npm package pinned in deps/chdb.
CHDB_DIR=deps/chdb
CHDB_LIB=$CHDB_DIR/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so
want=$(node -p "require('./$CHDB_DIR/package-lock.json').packages['node_modules/@chdb/lib-linux-x64-gnu'].version")
have=""
if [[ -f $CHDB_LIB ]]; then
  have=$(node -p "require('./$CHDB_DIR/node_modules/@chdb/lib-linux-x64-gnu/package.json').version" 2>/dev/null || true)
fi
if [[ "$have" != "$want" ]]; then
  echo "setup: fetching libchdb $want"
  (cd "$CHDB_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Real client libraries the integration tests drive (dd-trace, hot-shots), pinned in
# tests/clients/package-lock.json.
CLIENTS_DIR=tests/clients
if [[ ! -d $CLIENTS_DIR/node_modules || $CLIENTS_DIR/package-lock.json -nt $CLIENTS_DIR/node_modules ]]; then
  echo "setup: installing the test clients ($CLIENTS_DIR)"
  (cd "$CLIENTS_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
