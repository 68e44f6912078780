#!/usr/bin/env bash
# bench-topology.sh measures issue 16's bulk and topology edits on the demo
# city (a fresh test database each, from the template):
#   - importing 1,000 enclaves from a file (time per import and per enclave);
#   - the latency (p50/p99) of moving a corner 4 units share (and what lies within 1 cm of it), over HTTP on a
#     node that answers once its resolver applied the edit, beside a plain
#     PUT of one grid.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${DATABASE_URL:-postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-${base/\/gridmap\?/\/gridmap_test?}}

echo "== enclave import: 1,000 enclaves from a GeoJSON file into the demo city (one transaction)"
go test ./importer/ -run '^$' -bench EnclaveImport -benchtime 3x -benchmem 2>/dev/null | grep -E '^Benchmark|ok|FAIL'
echo "== topology edit latency over HTTP: move a corner shared by 4 units (and what lies within 1 cm) beside a plain PUT (30 rounds each; answered once the node applied the edit, and at the commit)"
go test ./api/ -run '^$' -bench TopologyEdit -benchtime 30x -benchmem 2>/dev/null | grep -E '^Benchmark|ok|FAIL'
