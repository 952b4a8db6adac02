#!/usr/bin/env bash
# `npm start`: runs the whole of Airlock locally in the foreground.
#   - installs what is missing (npm ci, Kafka + ClickHouse via infra.sh), builds dist/
#   - generates the local dev bundle + secrets once into deploy/local/.generated/
#   - starts a stand-in downstream API on 127.0.0.1:7400 and the six services
#   - Ctrl-C stops everything it started (Kafka/ClickHouse keep running).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

REPO_ROOT="$(cd "$AIRLOCK_LOCAL_DIR/../.." && pwd)"
GENERATED="$AIRLOCK_LOCAL_DIR/.generated"
APPROVAL_PORT=7300
BUDGET_PORT=7301
STAND_IN_PORT=7400
# Each service answers GET /healthz on the next port after this one (7311 for intake, ...).
HEALTH_PORT_BASE=7310
SERVICES=(intake policy approval budget executor audit)
: "${AIRLOCK_KAFKA_BROKERS:=127.0.0.1:19092}"
: "${AIRLOCK_CLICKHOUSE_URL:=http://127.0.0.1:18123}"
: "${AIRLOCK_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/airlock}"
cd "$REPO_ROOT"

if port_open "$APPROVAL_PORT"; then
  die "something already answers on 127.0.0.1:$APPROVAL_PORT: Airlock seems to be running (stop that npm start first)"
fi
if port_open "$STAND_IN_PORT"; then
  die "port 127.0.0.1:$STAND_IN_PORT (stand-in API) is already in use; stop whatever runs there"
fi

ensure_dirs

# ---- install / infra / build ------------------------------------------------
if [ ! -d node_modules ]; then
  log "node_modules is missing: running npm ci (log: $AIRLOCK_LOG_DIR/npm-ci.log)..."
  npm ci >"$AIRLOCK_LOG_DIR/npm-ci.log" 2>&1 || {
    show_log_tail "$AIRLOCK_LOG_DIR/npm-ci.log"
    die "npm ci failed; see $AIRLOCK_LOG_DIR/npm-ci.log"
  }
fi
log "starting or joining Kafka and ClickHouse"
bash "$AIRLOCK_LOCAL_DIR/infra.sh" up
log "compiling (tsc -p tsconfig.build.json -> dist/)"
node node_modules/typescript/bin/tsc -p tsconfig.build.json || die "compilation failed; see the errors above"

# ---- bundle + secrets (generated once, reused) --------------------------------
log "preparing the local bundle and secrets in $GENERATED"
node -r ./deploy/local/register-paths.js dist/deploy/local/demo/prepare-local-bundle.js "$REPO_ROOT" "http://127.0.0.1:$STAND_IN_PORT"

# ---- processes ------------------------------------------------------------------
declare -A PIDS=()
STOPPING=0

stop_all() {
  local name pid deadline
  [ "$STOPPING" -eq 1 ] && return 0
  STOPPING=1
  log "stopping the processes this script started..."
  for name in "${!PIDS[@]}"; do
    kill -TERM "${PIDS[$name]}" 2>/dev/null || true
  done
  deadline=$((SECONDS + 20))
  for name in "${!PIDS[@]}"; do
    pid=${PIDS[$name]}
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        warn "$name (pid $pid) still running 20s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
    log "  $name (pid $pid) stopped"
    rm -f "$(pid_file "airlock-$name")"
  done
  log "all Airlock processes stopped; Kafka and ClickHouse keep running ('bash deploy/local/infra.sh down' stops them)"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# start_proc NAME LOGFILE CMD...: start CMD in the background (stdin closed), remember its pid.
start_proc() {
  local name=$1 logfile=$2
  shift 2
  rotate_log "$logfile"
  "$@" </dev/null >>"$logfile" 2>&1 &
  PIDS[$name]=$!
  echo "${PIDS[$name]}" >"$(pid_file "airlock-$name")"
}

# wait_ready NAME LOGFILE: bounded wait for the `service ready` log line.
wait_ready() {
  local name=$1 logfile=$2 pid=${PIDS[$1]}
  wait_for_log_line "$name" "$pid" "$logfile" '"msg":"service ready"' 60
  log "  $name ready (pid $pid, log $logfile)"
}

log "starting the stand-in downstream API on 127.0.0.1:$STAND_IN_PORT"
start_proc stand-in-api "$AIRLOCK_LOG_DIR/stand-in-api.log" \
  env AIRLOCK_STAND_IN_PORT="$STAND_IN_PORT" node dist/deploy/local/demo/stand-in-server.js
wait_ready stand-in-api "$AIRLOCK_LOG_DIR/stand-in-api.log"

log "starting the six services"
declare -A HEALTH_PORTS=()
health_port=$HEALTH_PORT_BASE
for name in "${SERVICES[@]}"; do
  health_port=$((health_port + 1))
  HEALTH_PORTS[$name]=$health_port
  start_proc "$name" "$AIRLOCK_LOG_DIR/$name.log" \
    env -u AIRLOCK_NAMESPACE \
    AIRLOCK_KAFKA_BROKERS="$AIRLOCK_KAFKA_BROKERS" \
    AIRLOCK_CLICKHOUSE_URL="$AIRLOCK_CLICKHOUSE_URL" \
    AIRLOCK_POSTGRES_URL="$AIRLOCK_POSTGRES_URL" \
    AIRLOCK_BUNDLE_DIR="$GENERATED/bundle" \
    AIRLOCK_SECRETS_DIR="$GENERATED/secrets" \
    AIRLOCK_APPROVAL_PORT="$APPROVAL_PORT" \
    AIRLOCK_BUDGET_PORT="$BUDGET_PORT" \
    AIRLOCK_APPROVAL_SWEEP_MS=1000 \
    AIRLOCK_HEALTH_PORT="${HEALTH_PORTS[$name]}" \
    node -r ./deploy/local/register-paths.js "dist/services/$name/src/main.js"
done
for name in "${SERVICES[@]}"; do
  wait_ready "$name" "$AIRLOCK_LOG_DIR/$name.log"
done

# ---- summary --------------------------------------------------------------------
mapfile -t topic_names < <(grep -oE "name: '[^']+'" libs/contracts/src/topics.ts | sed -E "s/name: '([^']+)'/\1/")
cat <<SUMMARY

[airlock] ================= Airlock is running =================
[airlock] Kafka            $AIRLOCK_KAFKA_BROKERS, topics:
$(printf '[airlock]                    %s\n' "${topic_names[@]}")
[airlock] Approval API     http://127.0.0.1:$APPROVAL_PORT  (GET /approvals, POST /approvals/<id>/approve|deny)
[airlock]                  approver tokens: $GENERATED/secrets/approver-tokens.json
[airlock]                  public keys (JWKS): http://127.0.0.1:$APPROVAL_PORT/.well-known/jwks.json
[airlock] Kill switch      npm run airlock -- halt agent support-triage --reason "why"   (resume, halts)
[airlock]                  operator API: http://127.0.0.1:$APPROVAL_PORT/operator/halts
[airlock]                  operator tokens: $GENERATED/secrets/operator-tokens.json
[airlock] Budgets          http://127.0.0.1:$BUDGET_PORT/budget/agents/support-triage   (runs/<id>, teams/<id>, global; operator token)
[airlock] Health           $(for name in "${SERVICES[@]}"; do printf '%s :%s  ' "$name" "${HEALTH_PORTS[$name]}"; done)(GET /healthz)
[airlock] ClickHouse       $AIRLOCK_CLICKHOUSE_URL, database airlock (table airlock.events)
[airlock] PostgreSQL       $AIRLOCK_POSTGRES_URL
[airlock] Stand-in API     http://127.0.0.1:$STAND_IN_PORT (helpdesk, payments, mailer)
[airlock] Bundle           $GENERATED/bundle
[airlock] Logs             $AIRLOCK_LOG_DIR/{stand-in-api,$(IFS=,; echo "${SERVICES[*]}")}.log
[airlock] Run 'npm run demo' in another terminal. Ctrl-C here stops Airlock.
[airlock] ==========================================================
SUMMARY

# Stay in the foreground until Ctrl-C or until a process dies.
while :; do
  for name in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      show_log_tail "$AIRLOCK_LOG_DIR/$name.log"
      die "$name (pid ${PIDS[$name]}) exited unexpectedly; see $AIRLOCK_LOG_DIR/$name.log"
    fi
  done
  sleep 1 &
  wait $! || true
done
