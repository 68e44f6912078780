# gridmap — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
export DATABASE_URL ?= postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable
export TEST_DATABASE_URL ?= postgres://gridmap:gridmap@127.0.0.1:5432/gridmap_test?sslmode=disable
GO ?= go

.PHONY: run test build db bench bench-city fuzz clean

## run: bring the service up on :8080 with the demo city (installs PostGIS if needed)
run: db build
	./bin/gridmap serve

## test: every test, against a real PostGIS (installed and started if needed)
test: db
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

build:
	$(GO) build -o bin/gridmap ./cmd/gridmap

db:
	@bash scripts/db.sh

## bench: throughput, latency percentiles and memory beside the PostGIS baseline
bench: db build
	bash scripts/bench.sh

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./geo/ -run '^$$' -fuzz FuzzToWGS84 -fuzztime $(FUZZTIME)
	for f in FuzzSHP FuzzDBF FuzzGeoJSON FuzzGeoPackageGeometry FuzzWKT; do \
	  $(GO) test ./importer/ -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; done
	$(GO) test ./api/ -run '^$$' -fuzz FuzzQueryParams -fuzztime $(FUZZTIME)
	$(GO) test ./api/ -run '^$$' -fuzz FuzzBatchPoint -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
