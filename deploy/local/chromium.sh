#!/usr/bin/env bash
# Chromium for the console's end-to-end test (test/console.e2e-spec.ts drives it headless through
# puppeteer-core, which brings no browser of its own): Debian's chromium package.
#
#   deploy/local/chromium.sh install   apt-get install chromium if it is missing
#   deploy/local/chromium.sh path      print the browser's path (exit 1 when not installed)
#
# Env: AIRLOCK_CHROMIUM (a browser to use instead of Debian's, e.g. on a machine without apt).
set -euo pipefail

# shellcheck source=deploy/local/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM_INSTALL_LOG="$AIRLOCK_LOG_DIR/chromium-install.log"

find_chromium() {
  if [ -n "${AIRLOCK_CHROMIUM:-}" ]; then
    [ -x "$AIRLOCK_CHROMIUM" ] && echo "$AIRLOCK_CHROMIUM" && return 0
    die "AIRLOCK_CHROMIUM is $AIRLOCK_CHROMIUM, which is not an executable file"
  fi
  command -v chromium 2>/dev/null || { [ -x /usr/bin/chromium ] && echo /usr/bin/chromium; } || return 1
}

cmd_install() {
  ensure_dirs
  if find_chromium >/dev/null; then
    log "chromium: already installed ($(find_chromium))"
    return 0
  fi
  : >"$CHROMIUM_INSTALL_LOG"
  log "chromium: not installed; installing Debian's chromium (about 100 MB to download, a minute or two)"
  apt_install "$CHROMIUM_INSTALL_LOG" chromium
  find_chromium >/dev/null || die "chromium still not found after apt-get install; see $CHROMIUM_INSTALL_LOG"
  log "chromium: installed ($(find_chromium))"
}

case "${1:-}" in
  install) cmd_install ;;
  path) find_chromium ;;
  *)
    echo "usage: $0 install|path" >&2
    exit 2
    ;;
esac
