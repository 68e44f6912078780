#!/usr/bin/env bash
# s3.sh makes an S3-compatible object store reachable for the tests of the
# photo store's S3 backend (--blob-url s3://…): the Versity Gateway
# (github.com/versity/versitygw, Apache-2.0), a real S3 server over a POSIX
# directory, built from its Go module at a pinned version and started on
# 127.0.0.1:7070 with its data under ~/.cache/gridmap/s3.
#
#   - If TEST_S3_URL is set, that server is used as it is and nothing is
#     installed or started.
#   - The binary is built once (go install: two to five minutes on two cores
#     the first time) into ~/.cache/gridmap/bin and reused after that.
#   - The server is started in the background when nothing answers on the
#     port, and left running (like the PostgreSQL that scripts/db.sh starts).
#
# It is idempotent and prints nothing when everything is already in place.
set -euo pipefail

VERSION=v1.8.0
CACHE="${GRIDMAP_CACHE:-$HOME/.cache/gridmap}"
BIN="$CACHE/bin/versitygw-$VERSION"
ADDR="${GRIDMAP_S3_ADDR:-127.0.0.1:7070}"
DATA="$CACHE/s3"

say() { echo "s3.sh: $*" >&2; }
die() { say "$*"; exit 1; }

[ -n "${TEST_S3_URL:-}" ] && exit 0

# Something listening on the port (bash's own /dev/tcp: no curl needed).
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/${ADDR%:*}/${ADDR##*:}" 2>/dev/null; }
answers && exit 0

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || die "go is needed to build the test object store (versitygw)"
  say "building the Versity S3 gateway $VERSION (one time)…"
  start=$(date +%s)
  tmp=$(mktemp -d)
  GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$VERSION"
  mkdir -p "$(dirname "$BIN")"
  mv "$tmp/versitygw" "$BIN"
  rmdir "$tmp"
  say "built in $(( $(date +%s) - start )) s: $BIN"
fi

mkdir -p "$DATA"
ROOT_ACCESS_KEY=gridmap ROOT_SECRET_KEY=gridmap-secret \
  setsid nohup "$BIN" --port "$ADDR" --quiet posix "$DATA" >"$CACHE/s3.log" 2>&1 < /dev/null &
for _ in $(seq 1 50); do answers && exit 0; sleep 0.2; done
die "the S3 gateway did not start on $ADDR; see $CACHE/s3.log"
