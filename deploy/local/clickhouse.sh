#!/usr/bin/env bash
# Local ClickHouse for Airlock: Debian's clickhouse-server (18.16 on bookworm), run as a
# plain background process with the project's config -- not the system service.
#
#   deploy/local/clickhouse.sh install   apt-get install clickhouse-server/-client if missing
#   deploy/local/clickhouse.sh start     install if needed, start (or join a running one)
#   deploy/local/clickhouse.sh stop      stop the server we started (our pid file only)
#   deploy/local/clickhouse.sh status    running/stopped and the HTTP URL
#
# Env: AIRLOCK_HOME, AIRLOCK_CLICKHOUSE_HTTP_PORT (18123), AIRLOCK_CLICKHOUSE_TCP_PORT (19000).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CH_HOME="$AIRLOCK_HOME/clickhouse"
CH_DATA="$CH_HOME/data"
CH_ETC="$CH_HOME/etc"
CH_TEMPLATES="$AIRLOCK_LOCAL_DIR/clickhouse"
CH_LOG="$AIRLOCK_LOG_DIR/clickhouse.log" # stdout/stderr of the process
CH_SERVER_LOG="$AIRLOCK_LOG_DIR/clickhouse-server.log"
CH_ERR_LOG="$AIRLOCK_LOG_DIR/clickhouse-server.err.log"
CH_INSTALL_LOG="$AIRLOCK_LOG_DIR/clickhouse-install.log"
CH_PID_NAME=clickhouse
CH_PID_PATTERN=clickhouse-server
CH_URL="http://$AIRLOCK_BIND_HOST:$AIRLOCK_CLICKHOUSE_HTTP_PORT"

find_server_bin() {
  command -v clickhouse-server 2>/dev/null ||
    { [ -x /usr/sbin/clickhouse-server ] && echo /usr/sbin/clickhouse-server; } ||
    { [ -x /usr/bin/clickhouse-server ] && echo /usr/bin/clickhouse-server; } ||
    return 1
}

cmd_install() {
  ensure_dirs
  local missing=()
  find_server_bin >/dev/null || missing+=(clickhouse-server)
  command -v clickhouse-client >/dev/null 2>&1 || missing+=(clickhouse-client)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "clickhouse: already installed ($(find_server_bin))"
    return 0
  fi
  : >"$CH_INSTALL_LOG"
  apt_install "$CH_INSTALL_LOG" "${missing[@]}"
  find_server_bin >/dev/null ||
    die "clickhouse-server still not found after apt-get install; see $CH_INSTALL_LOG"
  log "clickhouse: installed ($(find_server_bin))"
}

render() {
  local src=$1 dst=$2
  [ -f "$src" ] || die "missing template $src (is the checkout complete?)"
  sed -e "s|@DATA_DIR@|$(sed_escape "$CH_DATA")|g" \
    -e "s|@LOG_DIR@|$(sed_escape "$AIRLOCK_LOG_DIR")|g" \
    -e "s|@LISTEN_HOST@|$(sed_escape "$AIRLOCK_BIND_HOST")|g" \
    -e "s|@HTTP_PORT@|$AIRLOCK_CLICKHOUSE_HTTP_PORT|g" \
    -e "s|@TCP_PORT@|$AIRLOCK_CLICKHOUSE_TCP_PORT|g" \
    "$src" >"$dst.tmp"
  mv -f "$dst.tmp" "$dst"
}

ping_ok() {
  [ "$(curl -s -m 2 "$CH_URL/ping" 2>/dev/null || true)" = "Ok." ]
}

# query SQL: run SQL over HTTP, print the result; non-zero + message on error.
query() {
  curl -sS -m 10 --fail-with-body "$CH_URL/" --data-binary "$1" 2>&1
}

verify() {
  local version
  if ! version=$(query 'SELECT version()'); then
    show_log_tail "$CH_ERR_LOG"
    die "clickhouse answers /ping but 'SELECT version()' failed: $version; see $CH_ERR_LOG"
  fi
  printf '%s\n' "$version"
}

wait_for_ping() {
  local pid=$1 deadline=$((SECONDS + AIRLOCK_START_TIMEOUT))
  until ping_ok; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$CH_LOG" 15
      show_log_tail "$CH_ERR_LOG"
      die "clickhouse (pid $pid) exited during startup; see $CH_ERR_LOG and $CH_LOG"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$CH_ERR_LOG"
      die "clickhouse did not answer $CH_URL/ping within ${AIRLOCK_START_TIMEOUT}s; see $CH_ERR_LOG and $CH_SERVER_LOG"
    fi
    sleep 0.3
  done
}

cmd_start() {
  ensure_dirs "$CH_DATA" "$CH_ETC"
  if is_running "$CH_PID_NAME" "$CH_PID_PATTERN"; then
    local pid
    pid=$(read_pid "$CH_PID_NAME")
    ping_ok || {
      log "clickhouse: pid $pid is starting; waiting for it"
      wait_for_ping "$pid"
    }
    log "clickhouse: already running (pid $pid) at $CH_URL"
    return 0
  fi
  if port_open "$AIRLOCK_CLICKHOUSE_HTTP_PORT"; then
    if ping_ok; then
      log "clickhouse: a server already answers at $CH_URL (not started by this AIRLOCK_HOME); reusing it (version $(verify))"
      return 0
    fi
    die "port $AIRLOCK_BIND_HOST:$AIRLOCK_CLICKHOUSE_HTTP_PORT is taken by something that is not ClickHouse; free it or set AIRLOCK_CLICKHOUSE_HTTP_PORT"
  fi
  if port_open "$AIRLOCK_CLICKHOUSE_TCP_PORT"; then
    die "port $AIRLOCK_BIND_HOST:$AIRLOCK_CLICKHOUSE_TCP_PORT (ClickHouse native) is taken by another process; free it or set AIRLOCK_CLICKHOUSE_TCP_PORT"
  fi

  cmd_install
  local bin
  bin=$(find_server_bin)
  render "$CH_TEMPLATES/config.xml" "$CH_ETC/config.xml"
  render "$CH_TEMPLATES/users.xml" "$CH_ETC/users.xml"
  rotate_log "$CH_LOG"

  log "clickhouse: starting $bin on $CH_URL (native tcp $AIRLOCK_BIND_HOST:$AIRLOCK_CLICKHOUSE_TCP_PORT; logs: $CH_SERVER_LOG, $CH_ERR_LOG)"
  local start=$SECONDS pid
  # Run from the data dir: 18.16 may write preprocessed configs / core files in cwd.
  pid=$(cd "$CH_DATA" && start_background "$CH_PID_NAME" "$CH_LOG" \
    "$bin" --config-file="$CH_ETC/config.xml")
  [ -n "$pid" ] || die "clickhouse: could not start $bin; see $CH_LOG"
  wait_for_ping "$pid"
  log "clickhouse: started (pid $pid) at $CH_URL in $((SECONDS - start))s, version $(verify)"
}

cmd_stop() {
  stop_pid "$CH_PID_NAME" "$CH_PID_PATTERN"
}

cmd_status() {
  if is_running "$CH_PID_NAME" "$CH_PID_PATTERN"; then
    if ping_ok; then
      log "clickhouse: running (pid $(read_pid "$CH_PID_NAME")) at $CH_URL, logs $CH_SERVER_LOG"
    else
      log "clickhouse: process up (pid $(read_pid "$CH_PID_NAME")) but $CH_URL/ping does not answer Ok.; see $CH_ERR_LOG"
      return 1
    fi
  elif ping_ok; then
    log "clickhouse: running (external process, not ours) at $CH_URL"
  else
    log "clickhouse: stopped ($CH_URL)"
    return 3
  fi
}

usage() {
  echo "usage: $0 install|start|stop|status" >&2
  exit 2
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
