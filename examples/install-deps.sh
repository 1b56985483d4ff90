#!/usr/bin/env bash
# Installs what the examples (and their tests under tests/SseService.Tests/Examples) need, only
# what is missing, so it can run before every build:
#   - Debian's gRPC for Python: python3-grpcio, python3-grpc-tools (stubs are generated at run time);
#     python3-pkg-resources too, which grpc_tools.protoc imports without Debian declaring it;
#   - Node.js and npm when absent, then `npm ci` in examples/node when node_modules is missing or
#     older than package-lock.json.
# Usage: bash examples/install-deps.sh
set -euo pipefail
cd "$(dirname "$0")"

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi

packages=()
for package in python3 python3-grpcio python3-grpc-tools python3-pkg-resources; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || packages+=("$package")
done
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

if [ ${#packages[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# npm records what it installed in node_modules/.package-lock.json; a newer lockfile means a stale install.
if [ ! -f node/node_modules/.package-lock.json ] || [ node/package-lock.json -nt node/node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci in examples/node"
  (cd node && npm ci --no-audit --no-fund)
fi
