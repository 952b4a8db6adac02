# shellcheck shell=bash
# Shared defaults and helpers for the Airlock local infrastructure scripts.
# Sourced by the scripts of deploy/local; not meant to be run directly.
#
# Everything the scripts create lives under $AIRLOCK_HOME (outside git):
#   kafka/<version>/libs   broker jars resolved by Maven
#   kafka/data             Kafka log dirs (KRaft metadata + topics)
#   clickhouse/data        ClickHouse data
#   logs/                  kafka.log, clickhouse*.log, install logs (one Kafka, ClickHouse per machine)
#   run/                   their pid files
#   checkouts/<dir>-<hash>/logs, run/
#                          per clone of the repository: npm ci and `npm start`'s services, so that
#                          two clones running at once keep their logs apart

# Directory holding these scripts (and the committed templates).
AIRLOCK_LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

: "${AIRLOCK_HOME:=$HOME/.cache/airlock}"
: "${KAFKA_VERSION:=3.9.1}"
: "${AIRLOCK_BIND_HOST:=127.0.0.1}"
: "${AIRLOCK_KAFKA_PORT:=19092}"
: "${AIRLOCK_KAFKA_CONTROLLER_PORT:=19093}"
: "${AIRLOCK_CLICKHOUSE_HTTP_PORT:=18123}"
: "${AIRLOCK_CLICKHOUSE_TCP_PORT:=19000}"
# Seconds to wait for a server to come up / go down.
: "${AIRLOCK_START_TIMEOUT:=60}"
: "${AIRLOCK_STOP_TIMEOUT:=30}"

AIRLOCK_LOG_DIR="$AIRLOCK_HOME/logs"
AIRLOCK_RUN_DIR="$AIRLOCK_HOME/run"

AIRLOCK_REPO_ROOT="$(cd "$AIRLOCK_LOCAL_DIR/../.." && pwd)"
# The directory name says which clone it is; the hash of the path keeps two clones named alike apart.
: "${AIRLOCK_STACK_HOME:=$AIRLOCK_HOME/checkouts/$(basename "$AIRLOCK_REPO_ROOT")-$(printf '%s' "$AIRLOCK_REPO_ROOT" | sha256sum | cut -c1-8)}"
AIRLOCK_STACK_LOG_DIR="$AIRLOCK_STACK_HOME/logs"
AIRLOCK_STACK_RUN_DIR="$AIRLOCK_STACK_HOME/run"

export AIRLOCK_LOCAL_DIR AIRLOCK_HOME KAFKA_VERSION AIRLOCK_BIND_HOST AIRLOCK_KAFKA_PORT \
  AIRLOCK_KAFKA_CONTROLLER_PORT AIRLOCK_CLICKHOUSE_HTTP_PORT AIRLOCK_CLICKHOUSE_TCP_PORT

log() { printf '[airlock] %s\n' "$*"; }
warn() { printf '[airlock] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[airlock] ERROR: %s\n' "$*" >&2
  exit 1
}

ensure_dirs() {
  mkdir -p "$AIRLOCK_LOG_DIR" "$AIRLOCK_RUN_DIR" "$@"
}

# Run a command as root (directly when we are root, else through sudo).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' and sudo is not installed; run it as root, then retry"
  fi
}

# apt_install LOGFILE PKG...: install Debian packages non-interactively.
apt_install() {
  local logfile=$1
  shift
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found; install these packages by hand: $*"
  log "installing Debian packages: $* (log: $logfile)"
  if ! as_root apt-get update >>"$logfile" 2>&1; then
    tail -n 20 "$logfile" >&2 || true
    die "apt-get update failed; see $logfile"
  fi
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$logfile" 2>&1; then
    tail -n 20 "$logfile" >&2 || true
    die "apt-get install $* failed; see $logfile"
  fi
}

# ensure_node_modules: npm ci when the checkout has no node_modules yet. Its output goes to this
# checkout's log, where npm shows no progress; a line every 10 s says how far it got instead.
ensure_node_modules() {
  local root=$AIRLOCK_REPO_ROOT
  if [ -x "$root/node_modules/.bin/tsc" ] && [ -x "$root/node_modules/.bin/jest" ]; then return 0; fi
  mkdir -p "$AIRLOCK_STACK_LOG_DIR"
  local logfile="$AIRLOCK_STACK_LOG_DIR/npm-ci.log" total
  total=$(grep -c '"node_modules/' "$root/package-lock.json" || true)
  log "installing $total node packages with npm ci (a few minutes the first time; log: $logfile)"
  local start=$SECONDS next=$((SECONDS + 10)) rc=0
  # --loglevel=http: one line per package fetched (or found in npm's cache), which the progress lines count.
  (cd "$root" && exec npm ci --no-audit --no-fund --loglevel=http) >"$logfile" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$next" ]; then
      log "npm ci: still installing... $((SECONDS - start))s, $(grep -cE 'http (fetch|cache) ' "$logfile" || true) of ~$total packages fetched"
      next=$((SECONDS + 10))
    fi
    sleep 1
  done
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    show_log_tail "$logfile" 20
    die "npm ci failed (exit $rc); see $logfile (can this machine reach the npm registry? is node 20.19+?), then run the command again"
  fi
  log "npm ci: done in $((SECONDS - start))s"
}

# port_open PORT [HOST]: true when something accepts TCP connections there.
port_open() {
  local port=$1 host=${2:-$AIRLOCK_BIND_HOST}
  # shellcheck disable=SC2016 # $1/$2 are expanded by the inner bash
  timeout 2 bash -c ': <"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
}

# show_log_tail LOGFILE [LINES]: print the end of a log to stderr.
show_log_tail() {
  local logfile=$1 lines=${2:-30}
  if [ -s "$logfile" ]; then
    printf '[airlock] ---- last %s lines of %s ----\n' "$lines" "$logfile" >&2
    tail -n "$lines" "$logfile" >&2 || true
    printf '[airlock] ---- end of %s ----\n' "$logfile" >&2
  fi
}

# wait_for_port NAME PORT LOGFILE [PID] [TIMEOUT]
# Bounded wait until PORT accepts connections. Fails early when PID dies.
# On failure prints the log tail and returns 1.
wait_for_port() {
  local name=$1 port=$2 logfile=$3 pid=${4:-} timeout_s=${5:-$AIRLOCK_START_TIMEOUT}
  local deadline=$((SECONDS + timeout_s))
  while ! port_open "$port"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$logfile"
      printf '[airlock] ERROR: %s (pid %s) exited before listening on %s:%s; see %s\n' \
        "$name" "$pid" "$AIRLOCK_BIND_HOST" "$port" "$logfile" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$logfile"
      printf '[airlock] ERROR: %s did not listen on %s:%s within %ss; see %s\n' \
        "$name" "$AIRLOCK_BIND_HOST" "$port" "$timeout_s" "$logfile" >&2
      return 1
    fi
    sleep 0.5
  done
}

pid_file() { printf '%s/%s.pid\n' "$AIRLOCK_RUN_DIR" "$1"; }

# read_pid NAME: print the pid recorded for NAME (empty when none).
read_pid() {
  local f
  f=$(pid_file "$1")
  [ -f "$f" ] && tr -dc '0-9' <"$f"
  return 0
}

# is_running NAME [CMDLINE_PATTERN]: the pid in our pid file is alive (and,
# when a pattern is given, its command line matches it, guarding against a
# recycled pid). Removes a stale pid file.
is_running() {
  local name=$1 pattern=${2:-} pid
  pid=$(read_pid "$name")
  [ -n "$pid" ] || return 1
  if kill -0 "$pid" 2>/dev/null; then
    if [ -z "$pattern" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"; then
      return 0
    fi
  fi
  rm -f "$(pid_file "$name")"
  return 1
}

# start_background NAME LOGFILE CMD...: start CMD detached (own session, no
# stdin), stdout+stderr appended to LOGFILE, pid recorded in run/NAME.pid.
# Prints the pid.
start_background() {
  local name=$1 logfile=$2 pidf
  shift 2
  pidf=$(pid_file "$name")
  rm -f "$pidf"
  # The inner shell writes its own pid and then execs the server, so the pid
  # file holds the server's pid whatever setsid decides about forking.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" </dev/null >>"$logfile" 2>&1 &
  local _
  for _ in $(seq 1 50); do
    [ -s "$pidf" ] && break
    sleep 0.1
  done
  [ -s "$pidf" ] || die "could not start $name (no pid file after 5s); see $logfile"
  read_pid "$name"
}

# stop_pid NAME PATTERN: SIGTERM the pid from our pid file, wait bounded.
stop_pid() {
  local name=$1 pattern=$2 pid deadline
  if ! is_running "$name" "$pattern"; then
    log "$name: not running (no live pid in $(pid_file "$name"))"
    return 0
  fi
  pid=$(read_pid "$name")
  log "$name: stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + AIRLOCK_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "$name (pid $pid) still running ${AIRLOCK_STOP_TIMEOUT}s after SIGTERM; check its log in $AIRLOCK_LOG_DIR, then 'kill -9 $pid' if it is stuck"
    fi
    sleep 0.5
  done
  rm -f "$(pid_file "$name")"
  log "$name: stopped"
}

# wait_for_log_line NAME PID LOGFILE PATTERN TIMEOUT: bounded wait until LOGFILE contains PATTERN
# (a fixed string); fails early, with the log tail, when the process exits first.
wait_for_log_line() {
  local name=$1 pid=$2 logfile=$3 pattern=$4 timeout=$5 deadline
  deadline=$((SECONDS + timeout))
  until grep -qF -- "$pattern" "$logfile" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail "$logfile"
      die "$name (pid $pid) exited before it was ready; see $logfile"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      show_log_tail "$logfile"
      die "$name (pid $pid) did not log '$pattern' within ${timeout}s; see $logfile"
    fi
    sleep 0.3
  done
}

# rotate_log LOGFILE: keep the previous run's log as LOGFILE.prev.
rotate_log() {
  local f=$1
  if [ -s "$f" ]; then mv -f "$f" "$f.prev"; fi
  : >"$f"
}

# redact_url URL: the URL without its password, for log lines.
redact_url() { printf '%s' "$1" | sed -E 's|^([^:]+://[^:@/]+):[^@/]*@|\1:***@|'; }

# sed_escape STRING: escape for use as a sed replacement with '|' delimiter.
sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }
