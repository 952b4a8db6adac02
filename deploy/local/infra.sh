#!/usr/bin/env bash
# Airlock local infrastructure: PostgreSQL, Kafka (KRaft, single node) and ClickHouse, no Docker.
#
#   deploy/local/infra.sh up       install (once) and start all three, or join running ones
#   deploy/local/infra.sh down     stop the Kafka and ClickHouse these scripts started (pid files
#                                  only); PostgreSQL keeps running (see postgres.sh)
#   deploy/local/infra.sh status   state of all three; exit 0 only when all are up
#
# Addresses for other scripts/tests: . deploy/local/env.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
. "$HERE/lib.sh"

summary() {
  log "ready:"
  log "  Kafka bootstrap  $AIRLOCK_BIND_HOST:$AIRLOCK_KAFKA_PORT   (log $AIRLOCK_LOG_DIR/kafka.log)"
  log "  ClickHouse HTTP  http://$AIRLOCK_BIND_HOST:$AIRLOCK_CLICKHOUSE_HTTP_PORT   (native $AIRLOCK_BIND_HOST:$AIRLOCK_CLICKHOUSE_TCP_PORT; logs $AIRLOCK_LOG_DIR/clickhouse-server.log, clickhouse-server.err.log)"
  log "  PostgreSQL       $(redact_url "${AIRLOCK_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/airlock}")"
  log "  env for tests    . deploy/local/env.sh   (AIRLOCK_KAFKA_BROKERS, AIRLOCK_CLICKHOUSE_URL, AIRLOCK_POSTGRES_URL)"
  log "  stop             bash deploy/local/infra.sh down   (Kafka and ClickHouse; PostgreSQL keeps running)"
}

cmd_up() {
  local start=$SECONDS
  bash "$HERE/postgres.sh" start
  bash "$HERE/clickhouse.sh" start
  bash "$HERE/kafka.sh" start
  summary
  log "infra up in $((SECONDS - start))s"
}

cmd_down() {
  local rc=0
  bash "$HERE/kafka.sh" stop || rc=1
  bash "$HERE/clickhouse.sh" stop || rc=1
  log "postgresql: left running (it may serve more than Airlock; stop it with pg_ctlcluster if you mean to)"
  return "$rc"
}

cmd_status() {
  local rc=0
  bash "$HERE/postgres.sh" status || rc=3
  bash "$HERE/kafka.sh" status || rc=3
  bash "$HERE/clickhouse.sh" status || rc=3
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
