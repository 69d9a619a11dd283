# Conduit: `make run` starts the service, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PLAYGROUND_DIST := internal/httpapi/playground/dist/index.html
export GOFLAGS ?= -buildvcs=false

.PHONY: run build playground playground-test browser-deps generate check-generated import-check test test-go fuzz conformance schema-check schema-release deps bench-deps vet bench bench-go load pgo clean

## run: build the playground and the binary, then serve on :8080 with ./conduit.db
run: build
	./conduit

## build: a statically linked binary, ./conduit
build: playground
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o conduit .

## playground: build the offline GraphiQL bundle that the binary embeds
playground: $(PLAYGROUND_DIST)
$(PLAYGROUND_DIST): web/playground/package.json web/playground/package-lock.json $(wildcard web/playground/*.mjs web/playground/src/*)
	cd web/playground && npm ci --no-audit --no-fund && npm run build

## generate: regenerate graph/ and models/ from schema.graphqls and gqlgen.yml
generate:
	$(GO) generate ./...

## check-generated: fail when the committed generated code is stale
check-generated: generate
	@git diff --exit-code -- graph models || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }

# apt-install installs the Debian packages $(1) as root, or says how to.
define apt-install
if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
  echo "installing$(1)"; \
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
else echo "missing$(1): install them (Debian: apt-get install$(1))"; exit 1; fi
endef

## deps: install the servers the tests start (PostgreSQL, Redis) where missing
deps:
	@missing=""; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then $(call apt-install,$$missing); fi

## browser-deps: install the headless browser that make playground-test drives (Chromium) where missing
browser-deps:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { $(call apt-install, chromium); }

## bench-deps: deps, and the load generator and CPU pinning that make bench uses (wrk, taskset)
bench-deps: deps
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v taskset >/dev/null || missing="$$missing util-linux"; \
	if [ -n "$$missing" ]; then $(call apt-install,$$missing); fi

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

## import-check: fail when a package imports what its doc forbids ("Imports only: …", "Never imports: …")
import-check:
	$(GO) run ./internal/importrules

## test: everything: generated code, vet, import rules, Go tests on SQLite and PostgreSQL, the conformance audit, the playground in a browser
test: deps playground check-generated vet import-check schema-check test-go fuzz conformance playground-test

test-go:
	CI=$${CI:-true} $(GO) test -race -count=1 -timeout 20m ./...

## fuzz: run each fuzz test beyond its committed seed corpus (testdata/fuzz), for a few seconds' worth of inputs (FUZZTIME=1m: for that long)
# Each target runs a fixed number of inputs, about 3 s on 2 cores: Go 1.26's
# fuzzer can fail a run whose -fuzztime duration ends while a worker is
# busy ("context deadline exceeded", go.dev/issue/75804, fixed in Go 1.27);
# a count has no deadline. FUZZTIME, when set, is used as given.
FUZZTIME ?=
FUZZ_TARGETS := FuzzReadParams:./internal/httpapi:10000x FuzzDecodeJSON:./internal/httpapi:5000x \
	FuzzDocumentLimits:./internal/httpapi:10000x FuzzTokensParse:./internal/auth:100000x \
	FuzzParseGlobalID:./models:80000x FuzzDecodeCursor:./models:15000x
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  name=$${t%%:*}; rest=$${t#*:}; pkg=$${rest%%:*}; budget=$${FUZZTIME:-$${rest#*:}}; \
	  echo "fuzz $$name ($$budget)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$budget "$$pkg"; \
	done

## bench: the release binary end to end under wrk, against a ceiling, into BENCHMARKS.md (BENCH_DURATION, BENCH_ROUNDS, BENCH_OUT)
bench: build bench-deps
	$(GO) run ./bench/run

## bench-go: request benchmarks through the real handler on a seeded SQLite database (go test -bench)
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./resolvers

## pgo: refresh default.pgo, the CPU profile that guides the release build, from the request benchmarks
pgo:
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench 'Pages/Bench|Typename' -benchtime 3s -count 1 -cpuprofile default.pgo ./resolvers

## load: seed a database, start the binary on loopback and send it traffic (LOAD_DURATION, LOAD_CLIENTS)
load: build
	bench/load.sh ./conduit

## schema-check: fail on a change of schema.graphqls that breaks clients of the last release, unless acknowledged in conformance/schema/breaks.json
schema-check:
	cd conformance/schema && npm ci --no-audit --no-fund && node check.mjs --self-test && node check.mjs

## schema-release: make today's schema.graphqls the released one that schema-check compares against (when tagging a release)
schema-release:
	cp schema.graphqls conformance/schema/release.graphqls

## conformance: the graphql-http audit, real clients (a Relay app among them) and trusted documents against a freshly started binary
conformance: build
	cd conformance && npm ci --no-audit --no-fund && node run.mjs ../conduit

## playground-test: open the playground of a freshly started binary in headless Chromium: editors, schema, a query, a subscription, and no request off its own origin
playground-test: build browser-deps
	cd web/playground && { test -d node_modules/puppeteer-core || npm ci --no-audit --no-fund; } && node browser-test.mjs ../../conduit

clean:
	rm -rf conduit internal/httpapi/playground/dist/assets internal/httpapi/playground/dist/index.html
