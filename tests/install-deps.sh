#!/usr/bin/env bash
# Installs what the tests need and the machine lacks, and nothing else: real servers and tools, never
# mocks. Debian's redis-server (the backplane tests start their own on a free port), chromium
# (the browser tests drive it headless through Playwright) and prometheus, then what the examples need.
# Usage: bash tests/install-deps.sh   (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
[ -x /usr/bin/chromium ] || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
  # The package starts a system Redis on 6379; the tests do not use it.
  if [[ " ${packages[*]} " == *" redis-server "* ]]; then
    ("${sudo[@]}" service redis-server stop || "${sudo[@]}" systemctl stop redis-server) >/dev/null 2>&1 || true
  fi
fi

# Debian's prometheus (the metrics test starts its own on a free port and scrapes the service with it),
# without its recommended node exporter, which would start a daemon of its own.
if ! command -v prometheus >/dev/null 2>&1; then
  echo "install-deps: apt-get install --no-install-recommends prometheus"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package starts a system Prometheus on 9090; the tests do not use it.
  ("${sudo[@]}" service prometheus stop || "${sudo[@]}" systemctl stop prometheus) >/dev/null 2>&1 || true
fi

bash examples/install-deps.sh
