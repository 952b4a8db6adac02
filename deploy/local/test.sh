#!/usr/bin/env bash
# `npm test`: from a fresh clone, installs what is missing, starts or joins the local PostgreSQL,
# Kafka and ClickHouse, then runs the unit tests and the end-to-end tests against them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
cd "$root"

ensure_node_modules

log "starting or joining PostgreSQL, Kafka and ClickHouse (store tests and end-to-end tests use them)"
bash "$here/infra.sh" up
# The console's end-to-end test drives a real headless Chromium.
bash "$here/chromium.sh" install

log "typecheck and lint (module boundaries included)"
node_modules/.bin/tsc -p tsconfig.json --noEmit
npm run -s lint

log "unit and store tests (stores against the real PostgreSQL and ClickHouse)"
node_modules/.bin/jest --selectProjects unit "$@"

log "end-to-end tests (real Kafka, ClickHouse and PostgreSQL; services run as processes)"
# One stack at a time: each suite starts six services, and the machine has two cores.
node_modules/.bin/jest --selectProjects e2e --runInBand "$@"
