# Developer entry points. `make test` is the test command README.md gives and
# .ci/run calls.

.PHONY: test conformance plan tools

# The whole suite: unit and mock tests, golden files, fuzz seeds, and the
# real-engine scenarios (the Pulumi CLI and the pulumi-eks provider are built
# or reused by .ci/tools.sh; the first run takes a few minutes).
test:
	@eval "$$(.ci/tools.sh)" && EKSFLEET_ENGINE_TESTS=1 go test -timeout 30m ./...
	$(MAKE) conformance

# What eksfleet hands to other systems, checked with their code (Helm renders
# the termination handler chart): a module of its own, so the Helm and
# Kubernetes libraries are compiled only here.
conformance:
	cd conformance && go test -timeout 20m ./...

# Offline plan of a stack (default dev): every resource it would create.
STACK ?= dev
plan:
	go run ./cmd/eksfleet plan $(STACK)

tools:
	@.ci/tools.sh >/dev/null
