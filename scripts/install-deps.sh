#!/usr/bin/env bash
# Installs the Debian packages awc builds and tests with. Idempotent: it only calls
# apt-get when something is missing, so `make` stays fast on a prepared machine.
#
#   bash scripts/install-deps.sh          # build and test (what `make`, `make test` and CI run)
#   bash scripts/install-deps.sh bench    # also the benchmark-only tools: gnuplot-nox draws the
#                                         # pictures of docs/benchmarks.md (`make bench` runs this)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache lld
  antlr4 libantlr4-runtime-dev uuid-dev default-jre-headless
  llvm-dev libfmt-dev nlohmann-json3-dev catch2
  libcurl4-openssl-dev libsqlite3-dev libcpp-httplib-dev libcli11-dev
  libxxhash-dev libtomlplusplus-dev libvalijson-dev libre2-dev
  nodejs npm
  jq curl python3
)
if [ "${1:-}" = bench ]; then
  packages+=(gnuplot-nox)
fi

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from outside Debian on some images; a working binary is enough.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
