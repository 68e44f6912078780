# gridmap — the two commands that matter are `make run` and `make test`.
SHELL := /bin/bash
export DATABASE_URL ?= postgres://gridmap:gridmap@127.0.0.1:5432/gridmap?sslmode=disable
# The tests make their databases on a cluster of their own (scripts/db.sh), but those a hot standby reads on "main".
export TEST_DATABASE_URL ?= postgres://gridmap:gridmap@127.0.0.1:5434/gridmap_test?sslmode=disable
export TEST_PRIMARY_URL ?= postgres://gridmap:gridmap@127.0.0.1:5432/gridmap_test?sslmode=disable
GO ?= go

.PHONY: run test build db db-for-tests gdal s3 bench bench-city fuzz clean

# The version and VCS revision "gridmap version" prints, from git when there
# is one (the build's own VCS stamp is used when the toolchain adds it).
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -X main.version=$(VERSION) -X main.revision=$(REVISION)

## run: bring the service up on :8080 with the demo city (installs PostGIS if needed)
run: db build
	./bin/gridmap serve

## test: every test, against a real PostGIS (installed and started if needed), with GDAL and a real
## S3-compatible server (for the photo store's S3 backend)
test: db-for-tests gdal s3
	@GO=$(GO) bash scripts/test.sh

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/gridmap ./cmd/gridmap

db:
	@bash scripts/db.sh

# The tests also need the local cluster's lock table raised and a hot
# standby of it (scripts/db.sh says why); make run leaves a cluster as it is.
db-for-tests:
	@GRIDMAP_DB_TESTS=1 bash scripts/db.sh

gdal:
	@bash scripts/gdal.sh

s3:
	@bash scripts/s3.sh

## bench: throughput, latency percentiles and memory beside the PostGIS baseline
bench: db-for-tests build
	bash scripts/bench.sh

## fuzz: run each fuzz target for FUZZTIME (default 60s)
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./geo/ -run '^$$' -fuzz FuzzToWGS84 -fuzztime $(FUZZTIME)
	$(GO) test ./geo/ -run '^$$' -fuzz FuzzParseEventID -fuzztime $(FUZZTIME)
	for f in FuzzSHP FuzzDBF FuzzGeoJSON FuzzGeoPackageGeometry FuzzWKT; do \
	  $(GO) test ./importer/ -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; done
	$(GO) test ./api/ -run '^$$' -fuzz FuzzQueryParams -fuzztime $(FUZZTIME)
	$(GO) test ./api/ -run '^$$' -fuzz FuzzBatchPoint -fuzztime $(FUZZTIME)
	for f in FuzzBatchBody FuzzDecimal FuzzAppendString FuzzPatrolBody FuzzReportBatch FuzzReportBody FuzzEditFeature FuzzQueryText FuzzImportUpload FuzzTopologyBodies; do \
	  $(GO) test ./api/ -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; done
	$(GO) test ./internal/jsontext/ -run '^$$' -fuzz FuzzLoneSurrogate -fuzztime $(FUZZTIME)
	$(GO) test ./photo/ -run '^$$' -fuzz FuzzOrientation -fuzztime $(FUZZTIME)
	$(GO) test ./photo/ -run '^$$' -fuzz FuzzProcess -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
