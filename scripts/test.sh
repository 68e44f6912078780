#!/usr/bin/env bash
# Every test, as make test runs it (and .ci/run runs make test): go vet, the
# whole suite, and a second time under the race detector the packages whose
# readers and writers share memory without the database between them — the
# index (snapshots, changes applied while answering, memos), the connection
# watcher, the API's fast path (caches of encoded answers, headers and tiles
# shared without locks), the fast lane that answers resolves without
# net/http and the token cache it reads (read again in the background), and
# the benchmarks' load generator (connections on goroutines).
#
# The index's race pass (-short: its exactness suites take a tenth of their
# points and edits there, the same paths, having run whole in the suite) is
# the longest of them, some 1.5 minutes of both cores. It runs beside the
# suite at the lowest priority (nice 19): it gets the time the suite leaves
# idle (tests waiting for the database, a timer or a browser) and takes
# almost none from the suite's timed tests; it ends some minutes in.
# The others run after the suite, one package at a time: the watcher's
# tests time connections in hundreds of milliseconds and run alone.
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

$GO vet ./... || exit 1

race_log=$(mktemp)
nice -n 19 $GO test -count=1 -race -short ./geo/ >"$race_log" 2>&1 &
race_pid=$!
trap 'kill "$race_pid" 2>/dev/null || true; rm -f "$race_log"' EXIT

$GO test -count=1 -timeout 20m ./...
suite=$?
wait "$race_pid"
index_race=$?
echo "# the index under the race detector (run beside the suite):"
cat "$race_log"
if [ "$suite" -ne 0 ] || [ "$index_race" -ne 0 ]; then
  exit 1
fi

set -e
$GO test -count=1 -race ./internal/connwatch/
$GO test -count=1 -race -run 'TestFastPathConcurrently|TestFast.*MatchesRouter|TestFastTilesMatchRouter|TestCached|TestLane|TestTokenCache' ./api/
$GO test -count=1 -race ./internal/fastlane/ ./cmd/gridmap-pointload/
