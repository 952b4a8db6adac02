#!/usr/bin/env bash
# Local PostgreSQL for Airlock: the gates keep their durable state there. Debian's postgresql
# package and its cluster tools (pg_createcluster, pg_ctlcluster), on the host and port of
# AIRLOCK_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/airlock).
#
#   deploy/local/postgres.sh install   apt-get install postgresql if the server or psql is missing
#   deploy/local/postgres.sh start     reuse the server on that port, or start the cluster configured
#                                      for it, or create one; then check the role and the database
#   deploy/local/postgres.sh status    whether the server answers and the role can connect
#
# There is no stop: a PostgreSQL cluster usually serves more than Airlock, so these scripts start
# one when none listens but never stop, restart or reconfigure one that runs.
#
# Env: AIRLOCK_POSTGRES_URL; AIRLOCK_POSTGRES_CLUSTER (name of a cluster these scripts create,
# default airlock); AIRLOCK_POSTGRES_DATA_DIR (its data directory, default Debian's
# /var/lib/postgresql/<version>/<name>).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${AIRLOCK_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/airlock}"
: "${AIRLOCK_POSTGRES_CLUSTER:=airlock}"
PG_INSTALL_LOG="$AIRLOCK_LOG_DIR/postgresql-install.log"
# Set by cmd_install when this run installed the package (and with it Debian's fresh main cluster).
PG_INSTALLED_NOW=0

url_re='^postgres(ql)?://([^:@/]+)(:[^@/]*)?@([^:/?]+)(:([0-9]+))?/([^/?]+)'
[[ "$AIRLOCK_POSTGRES_URL" =~ $url_re ]] ||
  die "AIRLOCK_POSTGRES_URL must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, got '$AIRLOCK_POSTGRES_URL'"
PG_USER=${BASH_REMATCH[2]}
PG_HOST=${BASH_REMATCH[4]}
PG_PORT=${BASH_REMATCH[6]:-5432}
PG_DATABASE=${BASH_REMATCH[7]}
# The maintenance database: it exists in every cluster, and the services connect to it to create theirs.
PG_ADMIN_URL="postgres://$PG_USER${BASH_REMATCH[3]}@$PG_HOST:$PG_PORT/postgres"
# What log lines show: the URL without its password.
PG_SHOWN_URL=$(redact_url "$AIRLOCK_POSTGRES_URL")

is_this_machine() { [ "$PG_HOST" = 127.0.0.1 ] || [ "$PG_HOST" = localhost ]; }

newest_server_version() {
  find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null |
    sed -E 's|/usr/lib/postgresql/([^/]+)/bin/postgres|\1|' | sort -V | tail -n1
}

cmd_install() {
  ensure_dirs
  if command -v pg_ctlcluster >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 &&
    [ -n "$(newest_server_version)" ]; then
    log "postgresql: already installed (server $(newest_server_version))"
    return 0
  fi
  : >"$PG_INSTALL_LOG"
  apt_install "$PG_INSTALL_LOG" postgresql
  [ -n "$(newest_server_version)" ] ||
    die "the PostgreSQL server is still missing after apt-get install postgresql; see $PG_INSTALL_LOG"
  PG_INSTALLED_NOW=1
  log "postgresql: installed (server $(newest_server_version))"
}

# cluster_on_port: "VERSION NAME STATUS" of the Debian cluster configured for PG_PORT, if any.
cluster_on_port() {
  pg_lsclusters --no-header 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2, $4; exit }'
}

create_cluster() {
  local version
  version=$(newest_server_version)
  local args=("$version" "$AIRLOCK_POSTGRES_CLUSTER" --port "$PG_PORT")
  if [ -n "${AIRLOCK_POSTGRES_DATA_DIR:-}" ]; then
    args+=(--datadir "$AIRLOCK_POSTGRES_DATA_DIR" --logfile "${AIRLOCK_POSTGRES_DATA_DIR%/}.log")
  fi
  log "postgresql: creating cluster $version/$AIRLOCK_POSTGRES_CLUSTER on port $PG_PORT (pg_createcluster; connections over 127.0.0.1 need no password, as AIRLOCK_POSTGRES_URL expects)"
  # Trust on TCP: the default URL carries no password. The server listens on localhost only
  # (Debian's default listen_addresses), so this is for a development machine, not a shared one.
  as_root pg_createcluster "${args[@]}" -- --auth-local=peer --auth-host=trust >>"$PG_INSTALL_LOG" 2>&1 || {
    show_log_tail "$PG_INSTALL_LOG" 15
    die "pg_createcluster $version $AIRLOCK_POSTGRES_CLUSTER failed; see $PG_INSTALL_LOG"
  }
}

# allow_password_less VERSION NAME: Debian's fresh main cluster asks TCP clients for a password.
# Only for the cluster the package created in this very run: one that existed before is the
# machine owner's to configure, and start_cluster says what to change instead.
allow_password_less() {
  local version=$1 name=$2 hba
  hba=$(pg_conftool -s "$version" "$name" show hba_file 2>/dev/null || echo "/etc/postgresql/$version/$name/pg_hba.conf")
  log "postgresql: letting role $PG_USER connect over 127.0.0.1 without a password ($hba)"
  as_root sed -i "1i # Added by Airlock's deploy/local/postgres.sh, which installed this cluster: the gates\n# connect as $PG_USER over 127.0.0.1 without a password (AIRLOCK_POSTGRES_URL).\nhost all $PG_USER 127.0.0.1/32 trust" "$hba"
}

start_cluster() {
  local found version name status
  found=$(cluster_on_port)
  if [ -z "$found" ]; then
    create_cluster
    found=$(cluster_on_port)
    [ -n "$found" ] || die "pg_createcluster succeeded but pg_lsclusters shows no cluster on port $PG_PORT"
  fi
  read -r version name status <<<"$found"
  if [ "$PG_INSTALLED_NOW" -eq 1 ] && [ "$name" = main ]; then allow_password_less "$version" "$name"; fi
  if [ "$status" = online ]; then
    # Debian's package starts its cluster on install; a changed pg_hba.conf needs a reload.
    as_root pg_ctlcluster "$version" "$name" reload
  else
    log "postgresql: starting cluster $version/$name on port $PG_PORT (pg_ctlcluster)"
    as_root pg_ctlcluster "$version" "$name" start || {
      pg_lsclusters >&2 || true
      die "pg_ctlcluster $version $name start failed; its log is in the last column above"
    }
  fi
  local deadline=$((SECONDS + AIRLOCK_START_TIMEOUT))
  until port_open "$PG_PORT" "$PG_HOST"; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "cluster $version/$name did not listen on $PG_HOST:$PG_PORT within ${AIRLOCK_START_TIMEOUT}s; see pg_lsclusters for its log"
    sleep 0.3
  done
  log "postgresql: cluster $version/$name listens on $PG_HOST:$PG_PORT"
}

# check_access: the role connects and may create the database; else say what to change.
check_access() {
  local out
  # -w: never wait for a password on the terminal; a refusal is reported instead.
  if out=$(psql "$PG_ADMIN_URL" -X -w -At -v ON_ERROR_STOP=1 -c 'SHOW server_version' 2>&1); then
    PG_SERVER_VERSION=${out##*$'\n'} # the answer is the last line, after any warnings
    return 0
  fi
  out=${out##*$'\n'} # psql's own error line, without the warnings before it
  case "$out" in
    *"password authentication failed"* | *"no password supplied"* | *"no pg_hba.conf entry"*)
      die "PostgreSQL on $PG_HOST:$PG_PORT refuses role $PG_USER without a password ($out). Either put the password in AIRLOCK_POSTGRES_URL (postgres://$PG_USER:PASSWORD@$PG_HOST:$PG_PORT/$PG_DATABASE), or add 'host all $PG_USER 127.0.0.1/32 trust' as the first rule of that cluster's pg_hba.conf (pg_lsclusters names the cluster; the file is /etc/postgresql/VERSION/NAME/pg_hba.conf) and run 'pg_ctlcluster VERSION NAME reload'" ;;
    *"role \"$PG_USER\" does not exist"*)
      die "PostgreSQL on $PG_HOST:$PG_PORT has no role $PG_USER: create it with 'su postgres -c \"createuser --superuser $PG_USER\"', or name another role in AIRLOCK_POSTGRES_URL" ;;
    *)
      die "cannot connect to PostgreSQL at $PG_SHOWN_URL: $out" ;;
  esac
}

ensure_database() {
  local exists
  # Through stdin: psql interpolates :'db' (quoting it) there, not in -c.
  exists=$(psql "$PG_ADMIN_URL" -X -w -At -v ON_ERROR_STOP=1 -v db="$PG_DATABASE" 2>&1 \
    <<<"SELECT 1 FROM pg_database WHERE datname = :'db'") ||
    die "cannot list the databases of $PG_HOST:$PG_PORT as $PG_USER: $exists"
  [ "$exists" = 1 ] && return 0
  log "postgresql: creating database $PG_DATABASE"
  local out
  out=$(psql "$PG_ADMIN_URL" -X -w -q -v ON_ERROR_STOP=1 -v db="$PG_DATABASE" 2>&1 <<<'CREATE DATABASE :"db"') ||
    die "role $PG_USER cannot create database $PG_DATABASE on $PG_HOST:$PG_PORT ($out): create it, or grant CREATEDB (ALTER ROLE $PG_USER CREATEDB)"
}

cmd_start() {
  ensure_dirs
  if port_open "$PG_PORT" "$PG_HOST"; then
    command -v psql >/dev/null 2>&1 || cmd_install
    log "postgresql: a server already listens on $PG_HOST:$PG_PORT; reusing it"
  else
    is_this_machine ||
      die "nothing answers on $PG_HOST:$PG_PORT (AIRLOCK_POSTGRES_URL); these scripts start PostgreSQL only on 127.0.0.1: start it there, or point AIRLOCK_POSTGRES_URL at a running server"
    cmd_install
    start_cluster
  fi
  check_access
  ensure_database
  log "postgresql: ready at $PG_SHOWN_URL (server $PG_SERVER_VERSION)"
}

cmd_status() {
  if ! port_open "$PG_PORT" "$PG_HOST"; then
    log "postgresql: stopped ($PG_HOST:$PG_PORT)"
    return 3
  fi
  if ! command -v psql >/dev/null 2>&1; then
    log "postgresql: something listens on $PG_HOST:$PG_PORT (psql is not installed to check it)"
    return 0
  fi
  check_access
  log "postgresql: running at $PG_SHOWN_URL (server $PG_SERVER_VERSION)"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start|status" >&2
    exit 2
    ;;
esac
