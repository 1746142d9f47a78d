# Developer entry points. `make test` is the test command README.md gives and
# .ci/run calls.

.PHONY: test conformance provider sdk plugin plan tools

# The whole suite: unit and mock tests, golden files, fuzz seeds, and the
# real-engine scenarios (the Pulumi CLI and the pulumi-eks provider are built
# or reused by .ci/tools.sh; the first run takes a few minutes).
test:
	@eval "$$(.ci/tools.sh)" && EKSFLEET_ENGINE_TESTS=1 go test -timeout 30m ./...
	$(MAKE) conformance
	$(MAKE) provider

# What eksfleet hands to other systems, checked with their code (Helm renders
# the termination handler chart): a module of its own, so the Helm and
# Kubernetes libraries are compiled only here.
conformance:
	cd conformance && go test -timeout 20m ./...

# The component provider (provider/, a module of its own) and the SDKs: the
# schema and SDKs are current, the TypeScript SDK compiles, the Python SDK
# byte-compiles, and a YAML and a TypeScript program run on the real engine.
provider:
	@eval "$$(.ci/tools.sh)" && cd provider && EKSFLEET_ENGINE_TESTS=1 go test -timeout 20m ./...
	cd tools/sdkgen && go test ./...

# Regenerate provider/schema.json and the SDKs under sdk/ (commit both).
sdk:
	cd provider && go run ./cmd/schemagen -o schema.json
	cd tools/sdkgen && go run . -schema ../../provider/schema.json -out ../../sdk

# Build the pulumi-resource-eksfleet plugin into PLUGIN_DIR (a cache, never
# the checkout); README "Use from TypeScript / Python / YAML / C#" installs it.
PLUGIN_DIR ?= $(HOME)/.cache/eksfleet/plugin
plugin:
	cd provider && go build -o $(PLUGIN_DIR)/pulumi-resource-eksfleet ./cmd/pulumi-resource-eksfleet
	@echo "built $(PLUGIN_DIR)/pulumi-resource-eksfleet"

# Offline plan of a stack (default dev): every resource it would create.
STACK ?= dev
plan:
	go run ./cmd/eksfleet plan $(STACK)

tools:
	@.ci/tools.sh >/dev/null
