#!/usr/bin/env bash
# `npm start`: runs the whole of Airlock locally in the foreground.
#   - installs what is missing (npm ci, Kafka + ClickHouse via infra.sh), builds dist/
#   - generates the local dev bundle + secrets once into deploy/local/.generated/
#   - starts a stand-in downstream API on 127.0.0.1:7400, the six services and the MCP gateway
#     (127.0.0.1:7302) under a supervisor (supervise-stack.ts) that starts again, with backoff, any
#     of them that dies
#   - Ctrl-C stops everything it started (PostgreSQL, Kafka and ClickHouse keep running).
#   - logs and pid files of this checkout's processes: $AIRLOCK_STACK_HOME/{logs,run} (lib.sh)
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

REPO_ROOT="$(cd "$AIRLOCK_LOCAL_DIR/../.." && pwd)"
GENERATED="$AIRLOCK_LOCAL_DIR/.generated"
APPROVAL_PORT=7300
BUDGET_PORT=7301
STAND_IN_PORT=7400
MCP_PORT=7302
# Each service answers GET /healthz on the next port after this one (7311 for intake, ...).
HEALTH_PORT_BASE=7310
SERVICES=(intake policy approval budget executor audit)
: "${AIRLOCK_KAFKA_BROKERS:=127.0.0.1:19092}"
: "${AIRLOCK_CLICKHOUSE_URL:=http://127.0.0.1:18123}"
: "${AIRLOCK_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/airlock}"
cd "$REPO_ROOT"

if port_open "$APPROVAL_PORT"; then
  die "something already answers on 127.0.0.1:$APPROVAL_PORT: Airlock seems to be running (stop that npm start first; the pids of this checkout's are in $AIRLOCK_STACK_RUN_DIR)"
fi
if port_open "$STAND_IN_PORT"; then
  die "port 127.0.0.1:$STAND_IN_PORT (stand-in API) is already in use; stop whatever runs there"
fi
if port_open "$MCP_PORT"; then
  die "port 127.0.0.1:$MCP_PORT (MCP gateway) is already in use; stop whatever runs there"
fi

ensure_dirs "$AIRLOCK_STACK_LOG_DIR" "$AIRLOCK_STACK_RUN_DIR"

# ---- install / infra / build ------------------------------------------------
ensure_node_modules
log "starting or joining PostgreSQL, Kafka and ClickHouse"
bash "$AIRLOCK_LOCAL_DIR/infra.sh" up
log "compiling (tsc -p tsconfig.build.json -> dist/)"
node node_modules/typescript/bin/tsc -p tsconfig.build.json || die "compilation failed; see the errors above"

# ---- bundle + secrets (generated once, reused) --------------------------------
log "preparing the local bundle and secrets in $GENERATED"
node -r ./deploy/local/register-paths.js dist/deploy/local/demo/prepare-local-bundle.js "$REPO_ROOT" "http://127.0.0.1:$STAND_IN_PORT"

# ---- processes ------------------------------------------------------------------
SUPERVISOR_PID=""
STOPPING=0

# Pid files the supervisor leaves behind name processes it did not stop: it was killed itself.
stop_orphans() {
  local file pid orphans=() deadline
  for file in "$AIRLOCK_STACK_RUN_DIR"/*.pid; do
    [ -e "$file" ] || continue
    pid=$(tr -dc '0-9' <"$file")
    # Only a process of ours (its command runs from dist/), not whatever reused the pid.
    if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- 'dist/'; then
      warn "$(basename "$file" .pid) (pid $pid) outlived its supervisor; sending SIGTERM"
      kill -TERM "$pid" 2>/dev/null || true
      orphans+=("$pid")
    fi
    rm -f "$file"
  done
  deadline=$((SECONDS + 20))
  for pid in "${orphans[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        warn "pid $pid still running 20s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  done
}

stop_all() {
  local deadline
  [ "$STOPPING" -eq 1 ] && return 0
  STOPPING=1
  [ -n "$SUPERVISOR_PID" ] || return 0
  if kill -0 "$SUPERVISOR_PID" 2>/dev/null; then
    log "stopping the processes this script started..."
    kill -TERM "$SUPERVISOR_PID" 2>/dev/null || true
    # The supervisor itself sends SIGKILL to a process still running 20 s after SIGTERM.
    deadline=$((SECONDS + 30))
    while kill -0 "$SUPERVISOR_PID" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        warn "the supervisor (pid $SUPERVISOR_PID) still running 30s after SIGTERM; sending SIGKILL"
        kill -KILL "$SUPERVISOR_PID" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
  fi
  stop_orphans
  log "all Airlock processes stopped; PostgreSQL, Kafka and ClickHouse keep running ('bash deploy/local/infra.sh down' stops Kafka and ClickHouse)"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# Each process: --process NAME COMMAND ARGS... for supervise-stack.ts. The services inherit no
# AIRLOCK_NAMESPACE: the local stack uses the unprefixed topics, schemas and database.
processes=(--process stand-in-api env AIRLOCK_STAND_IN_PORT="$STAND_IN_PORT" node dist/deploy/local/demo/stand-in-server.js)
declare -A HEALTH_PORTS=()
health_port=$HEALTH_PORT_BASE
for name in "${SERVICES[@]}"; do
  health_port=$((health_port + 1))
  HEALTH_PORTS[$name]=$health_port
  processes+=(--process "$name" env -u AIRLOCK_NAMESPACE
    AIRLOCK_KAFKA_BROKERS="$AIRLOCK_KAFKA_BROKERS"
    AIRLOCK_CLICKHOUSE_URL="$AIRLOCK_CLICKHOUSE_URL"
    AIRLOCK_POSTGRES_URL="$AIRLOCK_POSTGRES_URL"
    AIRLOCK_BUNDLE_DIR="$GENERATED/bundle"
    AIRLOCK_SECRETS_DIR="$GENERATED/secrets"
    AIRLOCK_APPROVAL_PORT="$APPROVAL_PORT"
    AIRLOCK_BUDGET_PORT="$BUDGET_PORT"
    AIRLOCK_APPROVAL_SWEEP_MS=1000
    AIRLOCK_HEALTH_PORT="$health_port"
    node -r ./deploy/local/register-paths.js "dist/services/$name/src/main.js")
done
# The MCP front door: no Kafka consumer of its own through the gate pipeline, no health port.
processes+=(--process mcp-gateway env -u AIRLOCK_NAMESPACE
  AIRLOCK_KAFKA_BROKERS="$AIRLOCK_KAFKA_BROKERS"
  AIRLOCK_BUNDLE_DIR="$GENERATED/bundle"
  AIRLOCK_SECRETS_DIR="$GENERATED/secrets"
  AIRLOCK_MCP_PORT="$MCP_PORT"
  node -r ./deploy/local/register-paths.js dist/services/mcp-gateway/src/main.js)
for name in stand-in-api "${SERVICES[@]}" mcp-gateway; do rotate_log "$AIRLOCK_STACK_LOG_DIR/$name.log"; done

log "starting the stand-in downstream API on 127.0.0.1:$STAND_IN_PORT, the six services and the MCP gateway (logs in $AIRLOCK_STACK_LOG_DIR)"
node -r ./deploy/local/register-paths.js dist/deploy/local/supervise-stack.js \
  --log-dir "$AIRLOCK_STACK_LOG_DIR" --pid-dir "$AIRLOCK_STACK_RUN_DIR" "${processes[@]}" </dev/null &
SUPERVISOR_PID=$!

# wait_ready NAME: bounded wait for its `service ready` log line. A service that crashes meanwhile
# is restarted by the supervisor, which says so; one that never gets ready ends the start.
wait_ready() {
  local name=$1
  wait_for_log_line "the supervisor of $name" "$SUPERVISOR_PID" "$AIRLOCK_STACK_LOG_DIR/$name.log" '"msg":"service ready"' 60
  log "  $name ready (pid $(tr -dc '0-9' <"$AIRLOCK_STACK_RUN_DIR/$name.pid" 2>/dev/null), log $AIRLOCK_STACK_LOG_DIR/$name.log)"
}
for name in stand-in-api "${SERVICES[@]}" mcp-gateway; do wait_ready "$name"; done
node -r ./deploy/local/register-paths.js dist/deploy/local/demo/mcp-client-config.js "$REPO_ROOT" "$MCP_PORT"

# ---- summary --------------------------------------------------------------------
mapfile -t topic_names < <(grep -oE "name: '[^']+'" libs/contracts/src/topics.ts | sed -E "s/name: '([^']+)'/\1/")
cat <<SUMMARY

[airlock] ================= Airlock is running =================
[airlock] Kafka            $AIRLOCK_KAFKA_BROKERS, topics:
$(printf '[airlock]                    %s\n' "${topic_names[@]}")
[airlock] Approval API     http://127.0.0.1:$APPROVAL_PORT  (GET /approvals, POST /approvals/<id>/approve|deny)
[airlock]                  approver tokens: $GENERATED/secrets/approver-tokens.json
[airlock]                  public keys (JWKS): http://127.0.0.1:$APPROVAL_PORT/.well-known/jwks.json
[airlock] Console          http://127.0.0.1:$APPROVAL_PORT/console  (sign in with a token from approver-tokens.json)
[airlock]                  operators (operator-tokens.json): /console/unknown-outcomes, /console/runs, /console/gates
[airlock] Kill switch      npm run airlock -- halt agent support-triage --reason "why"   (resume, halts)
[airlock]                  operator API: http://127.0.0.1:$APPROVAL_PORT/operator/halts
[airlock]                  operator tokens: $GENERATED/secrets/operator-tokens.json
[airlock] MCP gateway      http://127.0.0.1:$MCP_PORT/mcp  (streamable HTTP; signs as submitter mcp-gateway for support-triage)
[airlock]                  client config (token + a fresh run ticket, HTTP and stdio): $GENERATED/mcp-client.json
[airlock]                  headers: Authorization: Bearer <token from secrets/submitter-tokens.json>, X-Airlock-Run-Ticket: <run ticket>
[airlock] Budgets          http://127.0.0.1:$BUDGET_PORT/budget/agents/support-triage   (runs/<id>, teams/<id>, global; operator token)
[airlock] Health           $(for name in "${SERVICES[@]}"; do printf '%s :%s  ' "$name" "${HEALTH_PORTS[$name]}"; done)(GET /healthz)
[airlock] ClickHouse       $AIRLOCK_CLICKHOUSE_URL, database airlock (table airlock.events)
[airlock] PostgreSQL       $(redact_url "$AIRLOCK_POSTGRES_URL")
[airlock] Stand-in API     http://127.0.0.1:$STAND_IN_PORT (helpdesk, payments, mailer)
[airlock] Bundle           $GENERATED/bundle
[airlock] Logs             $AIRLOCK_STACK_LOG_DIR/{stand-in-api,$(IFS=,; echo "${SERVICES[*]}"),mcp-gateway}.log
[airlock] Supervision      a process that dies is started again after 1 s, doubling to 30 s while it keeps dying
[airlock]                  (pids in $AIRLOCK_STACK_RUN_DIR)
[airlock] Run 'npm run demo' in another terminal. Ctrl-C here stops Airlock.
[airlock] ==========================================================
SUMMARY

# Stay in the foreground until Ctrl-C; the supervisor restarts what dies, so it ends only when
# something is wrong with it.
rc=0
wait "$SUPERVISOR_PID" || rc=$?
die "the supervisor (pid $SUPERVISOR_PID) exited unexpectedly (status $rc); stopping what it left running"
