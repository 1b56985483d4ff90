#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing, then runs every test CI runs.
# Extra arguments go to dotnet test, e.g.: bash tests/run.sh --filter "FullyQualifiedName~Resume"
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
exec dotnet test SseService.sln "$@"
