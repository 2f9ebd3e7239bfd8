# Shilu (实录). `make run` and `make test` are the whole workflow.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/shilu
DATA  ?= .run/data
LISTEN ?= 127.0.0.1:8080
# Executions per fuzz target: a count, not a duration, because a duration that
# ends while the fuzzer minimizes a new input fails with "context deadline
# exceeded" (a known go test -fuzz quirk).
FUZZTIME ?= 200000x

.PHONY: build verifiers run test vet lint fuzz bench clean

# golangci-lint, pinned. Built once per machine with go install (from the
# module proxy, like our other dependencies) into a cache outside the
# repository, named by version: a machine that has this version reuses it, a
# fresh one or a version bump builds it (about 3 min on 2 cores). Its analysis
# cache lives outside the repository too.
GOLANGCI_LINT_VERSION := v2.15.0
TOOLS_DIR  ?= $(HOME)/.cache/shilu/bin
LINT_CACHE ?= $(HOME)/.cache/shilu/golangci-lint
GOLANGCI_LINT := $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)

build: verifiers
	$(GO) build -o $(BIN) ./cmd/shilu

# The standalone verifiers every evidence package carries (校验工具/), for
# Linux and Windows on amd64, pure Go and cross-compiled. The server finds
# them in bin/verifiers beside its binary (or --verifiers DIR); it embeds
# nothing.
verifiers:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -o bin/verifiers/shilu-verify-linux-amd64 ./cmd/shilu-verify
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -o bin/verifiers/shilu-verify-windows-amd64.exe ./cmd/shilu-verify

# Serve the embedded default (SQLite + local blob store) with demo data.
run: build
	$(BIN) serve --data $(DATA) --listen $(LISTEN) --demo

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The linters of .golangci.yml: the standard set, gofmt, and depguard holding
# the package layering (STYLE.md) in place.
lint: $(GOLANGCI_LINT)
	GOLANGCI_LINT_CACHE=$(LINT_CACHE) $(GOLANGCI_LINT) run ./...

# Built in a temporary directory and renamed into place, so an interrupted
# build or another worktree building at the same time never leaves a partial
# binary under the final name.
$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS_DIR)
	@tmp=$$(mktemp -d $(TOOLS_DIR)/.build-XXXXXX) && \
	  echo "building golangci-lint $(GOLANGCI_LINT_VERSION) into $(TOOLS_DIR) (once per machine)" && \
	  GOBIN=$$tmp $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) && \
	  mv $$tmp/golangci-lint $@ && rmdir $$tmp || { rm -rf $$tmp; exit 1; }

# The whole suite: vet, lint, unit/contract/end-to-end tests with the race
# detector, and a short run of every fuzz target.
test: vet lint test/tusjs/node_modules
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) fuzz

# tus-js-client, the standard third-party client the end-to-end tests drive.
# Without npm the test that needs it is skipped (CI forbids the skip).
test/tusjs/node_modules: test/tusjs/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix test/tusjs --no-audit --no-fund; touch $@; \
	  else echo "npm not found: skipping tus-js-client tests"; fi

# Issue 8's acceptance walk alone (make test runs it too): every role
# through every page in zh-CN, failing on English outside data and on
# tables that do not fit 1366×768; screenshots under SHILU_SCREENSHOTS.
rolewalk:
	$(GO) test -count=1 -run 'TestBrowserRoles' -timeout 10m ./cmd/shilu/

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
fuzz:
	@set -e; for t in $$(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' internal | sed 's/func //'); do \
	  pkg=$$(dirname $$(grep -rlE "^func $$t\(" --include='*_test.go' internal | head -1)); \
	  echo "fuzz $$t ($$pkg)"; \
	  if ! $(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s ./$$pkg > /tmp/shilu-fuzz.log 2>&1; then cat /tmp/shilu-fuzz.log; exit 1; fi; \
	done; echo "fuzz: all targets ran $(FUZZTIME) without failure"

# Ingest throughput against a durable tusd baseline, and peak RSS; puts
# into S3 (versitygw) against minio-go's PutObject of the same bytes; the
# compliance dashboard over 10 000 activities and 100 000 recordings, from
# stored evaluations against running the rules from scratch (budget 200 ms);
# custody-log verification of 100 000 entries, all cores against one;
# making an evidence package of SHILU_BENCH_GIB GiB (default 1) against cp,
# sync and sha256sum of the same files.
bench:
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=. -benchtime=1x -timeout 60m ./internal/bench/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=BenchmarkDashboard -benchtime=5x -timeout 30m ./internal/web/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench='^BenchmarkPlayback$$' -benchtime=1x -timeout 30m ./internal/web/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench='^BenchmarkVerify$$' -benchtime=3x -timeout 30m ./internal/audit/
	$(GO) test -run='^$$' -bench=BenchmarkSummary -timeout 10m ./internal/compliance/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=BenchmarkSyncFindings -benchtime=200x -timeout 30m ./internal/store/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=BenchmarkRecordingList -benchtime=1x -timeout 30m ./internal/store/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=BenchmarkArchive -benchtime=1x -timeout 60m ./internal/app/
	$(GO) test -run='^$$' -bench=BenchmarkTwins -benchtime=1x -timeout 10m ./internal/store/
	SHILU_BENCH=1 $(GO) test -run='^$$' -bench=BenchmarkPackage -benchtime=1x -timeout 60m ./internal/export/

clean:
	rm -rf bin .run
