#!/usr/bin/env bash
# setup.sh installs what the dashboard's browser test needs, on a fresh
# Debian/Ubuntu machine as root: Chromium (Debian's package, driven by
# playwright-core, which downloads no browser of its own), a CJK font so the
# screenshot shows the Chinese labels, Node.js if missing, and the test's npm
# packages (npm ci, from the lockfile). It is idempotent and quiet when all is
# in place. Exit status 2 means "cannot install here": the test then skips
# (and fails under CI).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

say() { echo "web/test/setup.sh: $*" >&2; }
updated=
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "$1 is missing and cannot be installed here (needs root on Debian/Ubuntu): apt-get install $*"
    return 2
  fi
  if [ -z "$updated" ]; then apt-get update -qq >/dev/null; updated=1; fi
  say "installing $* …"
  apt-get install -y -qq "$@" >/dev/null
}

chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || apt_install chromium || exit 2
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm || exit 2
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  apt_install fonts-wqy-microhei || say "no CJK font: labels in the screenshot will be boxes"
fi
if [ ! -f node_modules/playwright-core/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
