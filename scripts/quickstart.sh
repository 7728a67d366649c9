#!/usr/bin/env bash
# The newcomer's one command: installs what rhx needs on this machine (npm packages, the build, a Docker
# engine and a private registry holding the example image, see setup-machine.sh), then applies the
# local example, whose credentials come from examples/local/.env.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund; fi
npm run --silent build
scripts/setup-machine.sh
cd examples/local
# `--`: Node 20 would otherwise read an `--env-file` passed to this script as its own.
exec node -- "$root/dist/cli/bin.js" apply "$@"
