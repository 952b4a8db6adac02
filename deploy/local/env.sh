# shellcheck shell=sh
# Source this (". deploy/local/env.sh") to get the Airlock local infra addresses.
# Prints nothing; keeps values that are already set.
: "${AIRLOCK_KAFKA_BROKERS:=127.0.0.1:${AIRLOCK_KAFKA_PORT:-19092}}"
: "${AIRLOCK_CLICKHOUSE_URL:=http://127.0.0.1:${AIRLOCK_CLICKHOUSE_HTTP_PORT:-18123}}"
: "${AIRLOCK_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/airlock}"
export AIRLOCK_KAFKA_BROKERS AIRLOCK_CLICKHOUSE_URL AIRLOCK_POSTGRES_URL
