#!/usr/bin/env bash
# `npm run demo`: a scripted agent drives the running local Airlock (start it with `npm start`).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
REPO_ROOT="$(cd "$AIRLOCK_LOCAL_DIR/../.." && pwd)"
cd "$REPO_ROOT"

port_open 7300 || die "Airlock is not running (nothing answers on 127.0.0.1:7300): run 'npm start' first, in another terminal"
[ -f deploy/local/.generated/secrets/approver-tokens.json ] ||
  die "no local secrets in deploy/local/.generated/secrets: run 'npm start' first"
if [ ! -f dist/deploy/local/demo/scripted-agent.js ]; then
  log "compiling (tsc -p tsconfig.build.json -> dist/)"
  node node_modules/typescript/bin/tsc -p tsconfig.build.json || die "compilation failed; see the errors above"
fi
exec node -r ./deploy/local/register-paths.js dist/deploy/local/demo/scripted-agent.js "$REPO_ROOT"
