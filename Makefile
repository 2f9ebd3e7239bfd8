# Shilu (实录). `make run` and `make test` are the whole workflow.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/shilu
DATA  ?= .run/data
LISTEN ?= 127.0.0.1:8080
FUZZTIME ?= 10s

.PHONY: build run test vet fuzz bench clean

build:
	$(GO) build -o $(BIN) ./cmd/shilu

# Serve the embedded default (SQLite + local blob store) with demo data.
run: build
	$(BIN) serve --data $(DATA) --listen $(LISTEN) --demo

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The whole suite: vet, unit/contract/end-to-end tests with the race
# detector, and a short run of every fuzz target.
test: vet
	$(GO) test -race -timeout 20m ./...
	$(MAKE) fuzz

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
fuzz:
	@set -e; for t in $$(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' internal | sed 's/func //'); do \
	  pkg=$$(dirname $$(grep -rlE "^func $$t\(" --include='*_test.go' internal | head -1)); \
	  echo "fuzz $$t ($$pkg)"; \
	  $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) ./$$pkg >/dev/null; \
	done; echo "fuzz: all targets ran $(FUZZTIME) without failure"

# Ingest throughput against a durable tusd baseline, and peak RSS.
bench:
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=. -benchtime=1x -timeout 60m ./internal/bench/

clean:
	rm -rf bin .run
