#!/usr/bin/env bash
# .ci/tools.sh — build (or reuse) the offline tools used by CI and the engine
# tests, and print shell lines a caller can eval:
#
#   eval "$(.ci/tools.sh)"            # all tools
#   eval "$(.ci/tools.sh pulumi eks)" # a subset: pulumi, staticcheck, eks, yaml, node
#
# Tools and where they come from (no GitHub downloads; only the Go module
# proxy and the npm registry are needed on a cold run):
#
#   pulumi       go build of github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pinned by
#                tools/pulumi/go.mod, with the mandatory version ldflag
#                (offline-toolchain notes §2: without it `pulumi version` is
#                empty and the Automation API rejects the CLI).
#   staticcheck  go build of honnef.co/go/tools/cmd/staticcheck pinned by
#                tools/staticcheck/go.mod.
#   eks          npm ci --ignore-scripts of tools/eks/package-lock.json
#                (@pulumi/eks, same version as the Go SDK) plus a
#                pulumi-resource-eks wrapper running node on its cmd/provider.
#   yaml         go build of github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
#                pinned by tools/yaml/go.mod (the YAML language host of the
#                provider module's engine test).
#   node         npm ci --ignore-scripts of tools/node/package-lock.json: the
#                Node Pulumi SDK and TypeScript for the provider module's
#                TypeScript engine test and SDK compile check.
#
# Each tool goes to ${EKSFLEET_TOOLS_DIR:-$HOME/.cache/eksfleet/tools}/<tool>-<version>-<key>/
# where <key> hashes the pin files (go.mod/go.sum or package.json/lock), the
# Go or node toolchain and the build flags, so a pin change rebuilds and an
# unchanged pin reuses the cache. Builds go to a temp dir and are renamed into
# place under a lock, so concurrent callers are safe and an interrupted build
# never leaves a half-populated cache entry.
#
# Everything except the final export lines goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR=${EKSFLEET_TOOLS_DIR:-${HOME}/.cache/eksfleet/tools}
mkdir -p "$TOOLS_DIR"

log() { printf 'tools.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# hashkey FILE... [-- STRING...] prints a 12-hex-digit digest of the files'
# contents followed by the extra strings.
hashkey() {
	local files=() extra=()
	while (($#)); do
		if [[ $1 == -- ]]; then shift; extra=("$@"); break; fi
		files+=("$1"); shift
	done
	{ cat "${files[@]}"; printf '%s\n' "${extra[@]}"; } | sha256sum | cut -c1-12
}

# with_lock NAME CMD... runs CMD while holding $TOOLS_DIR/.NAME.lock.
with_lock() {
	local name=$1; shift
	(
		flock 9
		"$@"
	) 9>"$TOOLS_DIR/.$name.lock"
}

now() { date +%s; }

# go_tool NAME MODDIR PKG VERSION_MODULE [LDFLAGS] builds PKG from the tools
# module MODDIR into $TOOLS_DIR/NAME-<ver>-<key>/bin/NAME and sets REPLY to it.
go_tool() {
	local name=$1 moddir=$2 pkg=$3 vermod=$4 ldflags=${5:-}
	command -v go >/dev/null || die "go not found on PATH"
	local ver goversion key dir
	ver=$(cd "$moddir" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Version}}' "$vermod")
	goversion=$(go env GOVERSION GOOS GOARCH | paste -sd' ')
	key=$(hashkey "$moddir/go.mod" "$moddir/go.sum" -- "$goversion" "$ldflags" "trimpath")
	dir="$TOOLS_DIR/$name-$ver-$key"
	REPLY="$dir/bin/$name"
	if [[ -x $REPLY ]]; then
		log "$name $ver: cached at $dir"
		return
	fi
	build() {
		if [[ -x $REPLY ]]; then log "$name $ver: built by another process"; return; fi
		local tmp start
		tmp=$(mktemp -d "$TOOLS_DIR/.tmp-$name-XXXXXX")
		start=$(now)
		log "$name $ver: building $pkg ($goversion) into $dir ..."
		# -mod=readonly: never rewrite the committed go.mod/go.sum.
		# GOWORK=off: a go.work elsewhere must not change the pins.
		if ! (cd "$moddir" && GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
			go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/$name" "$pkg" >&2); then
			rm -rf "$tmp"
			die "$name: go build failed"
		fi
		rm -rf "$dir"
		mv -T "$tmp" "$dir"
		log "$name $ver: built in $(($(now) - start))s"
	}
	with_lock "$name" build
}

tool_pulumi() {
	local moddir="$ROOT/tools/pulumi" ver
	ver=$(cd "$moddir" && GOWORK=off GOFLAGS=-mod=readonly go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
	# The CLI only reports a version (and passes auto.NewPulumiCommand's
	# minimum-version check) when this ldflag is set. -s -w: no symbol table or
	# DWARF; halves the link time and the 150 MB binary, panics still show stacks.
	go_tool pulumi "$moddir" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi github.com/pulumi/pulumi/pkg/v3 \
		"-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ver"
	PULUMI_BIN=$REPLY
	local got
	got=$("$PULUMI_BIN" version 2>/dev/null || true)
	[[ $got == "$ver" ]] || die "pulumi version printed '$got', want '$ver'"
}

tool_staticcheck() {
	go_tool staticcheck "$ROOT/tools/staticcheck" honnef.co/go/tools/cmd/staticcheck honnef.co/go/tools
	STATICCHECK_BIN=$REPLY
}

tool_eks() {
	local src="$ROOT/tools/eks" node nodev ver key dir
	node=$(command -v node) || die "node not found on PATH (need node >= 20.17: npm resolves @pulumi/pulumi to 3.248.0, engines >=20)"
	command -v npm >/dev/null || die "npm not found on PATH"
	nodev=$("$node" --version)
	# @pulumi/pulumi >= 3.249 needs node >= 22; the lockfile was resolved under
	# node 20 and pins 3.248.0 (engines: node >= 20).
	if ! [[ ${nodev#v} =~ ^([0-9]+)\. ]] || ((BASH_REMATCH[1] < 20)); then
		die "node $nodev too old, need >= 20"
	fi
	ver=$("$node" -e 'const l=require(process.argv[1]);console.log(l.packages["node_modules/@pulumi/eks"].version)' "$src/package-lock.json")
	# The npm provider must match the Go SDK (schema and component behaviour),
	# and its @pulumi/aws should match the Go aws SDK so the component's
	# children and the program share one default aws provider.
	local gover awsver goaws
	gover=$(awk '$1=="github.com/pulumi/pulumi-eks/sdk/v2"{print $2}' "$ROOT/go.mod" | head -1)
	if [[ -n $gover && $gover != "v$ver" ]]; then
		log "warning: @pulumi/eks $ver != github.com/pulumi/pulumi-eks/sdk/v2 $gover in go.mod; update tools/eks/package.json"
	fi
	awsver=$("$node" -e 'const l=require(process.argv[1]);console.log(l.packages["node_modules/@pulumi/aws"].version)' "$src/package-lock.json")
	goaws=$(awk '$1=="github.com/pulumi/pulumi-aws/sdk/v6"{print $2}' "$ROOT/go.mod" | head -1)
	if [[ -n $goaws && $goaws != "v$awsver" ]]; then
		log "warning: npm @pulumi/aws $awsver != github.com/pulumi/pulumi-aws/sdk/v6 $goaws in go.mod; update the override in tools/eks/package.json"
	fi
	key=$(hashkey "$src/package.json" "$src/package-lock.json" -- "node ${nodev%%.*}" "$node")
	dir="$TOOLS_DIR/eks-$ver-$key"
	EKS_BIN="$dir/bin/pulumi-resource-eks"
	if [[ -x $EKS_BIN ]]; then
		log "eks $ver: cached at $dir"
		return
	fi
	eks_install() {
		if [[ -x $EKS_BIN ]]; then log "eks $ver: installed by another process"; return; fi
		local tmp start
		tmp=$(mktemp -d "$TOOLS_DIR/.tmp-eks-XXXXXX")
		start=$(now)
		log "eks $ver: npm ci --ignore-scripts into $dir ..."
		cp "$src/package.json" "$src/package-lock.json" "$tmp/"
		# --ignore-scripts: @pulumi/aws and @pulumi/kubernetes have install
		# scripts that download provider plugins from GitHub.
		if ! (cd "$tmp" && npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error >&2); then
			rm -rf "$tmp"
			die "eks: npm ci failed"
		fi
		mkdir -p "$tmp/bin"
		# The engine runs pulumi-resource-eks with the engine address as its
		# argument; index.js reads the version from package.json and the schema
		# from cmd/provider/schema.json, then prints its port on stdout.
		cat >"$tmp/bin/pulumi-resource-eks" <<-EOF
			#!/bin/sh
			# Generated by .ci/tools.sh: real pulumi-eks $ver provider from npm.
			exec "$node" "$dir/node_modules/@pulumi/eks/cmd/provider/index.js" "\$@"
		EOF
		chmod +x "$tmp/bin/pulumi-resource-eks"
		rm -rf "$dir"
		mv -T "$tmp" "$dir"
		log "eks $ver: installed in $(($(now) - start))s"
	}
	with_lock eks eks_install
}

tool_yaml() {
	go_tool pulumi-language-yaml "$ROOT/tools/yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml github.com/pulumi/pulumi-yaml
	YAML_BIN=$REPLY
}

tool_node() {
	local src="$ROOT/tools/node" node nodev ver key dir
	node=$(command -v node) || die "node not found on PATH (need node >= 20)"
	command -v npm >/dev/null || die "npm not found on PATH"
	nodev=$("$node" --version)
	ver=$("$node" -e 'const l=require(process.argv[1]);console.log(l.packages["node_modules/@pulumi/pulumi"].version)' "$src/package-lock.json")
	key=$(hashkey "$src/package.json" "$src/package-lock.json" -- "node ${nodev%%.*}" "$node")
	dir="$TOOLS_DIR/node-$ver-$key"
	NODE_MODULES="$dir/node_modules"
	if [[ -x $NODE_MODULES/typescript/bin/tsc ]]; then
		log "node $ver: cached at $dir"
		return
	fi
	node_install() {
		if [[ -x $NODE_MODULES/typescript/bin/tsc ]]; then log "node $ver: installed by another process"; return; fi
		local tmp start
		tmp=$(mktemp -d "$TOOLS_DIR/.tmp-node-XXXXXX")
		start=$(now)
		log "node $ver: npm ci --ignore-scripts into $dir ..."
		cp "$src/package.json" "$src/package-lock.json" "$tmp/"
		if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2); then
			rm -rf "$tmp"
			die "node: npm ci failed"
		fi
		rm -rf "$dir"
		mv -T "$tmp" "$dir"
		log "node $ver: installed in $(($(now) - start))s"
	}
	with_lock node node_install
}

want=("$@")
((${#want[@]})) || want=(pulumi staticcheck eks yaml node)
paths=()
exports=()
for t in "${want[@]}"; do
	case $t in
	pulumi)
		tool_pulumi
		paths+=("$(dirname "$PULUMI_BIN")")
		exports+=("EKSFLEET_PULUMI=$PULUMI_BIN")
		;;
	staticcheck)
		tool_staticcheck
		paths+=("$(dirname "$STATICCHECK_BIN")")
		exports+=("EKSFLEET_STATICCHECK=$STATICCHECK_BIN")
		;;
	eks)
		tool_eks
		paths+=("$(dirname "$EKS_BIN")")
		exports+=("EKSFLEET_EKS_PROVIDER=$EKS_BIN")
		;;
	yaml)
		tool_yaml
		paths+=("$(dirname "$YAML_BIN")")
		exports+=("EKSFLEET_YAML_HOST=$YAML_BIN")
		;;
	node)
		tool_node
		exports+=("EKSFLEET_NODE_MODULES=$NODE_MODULES")
		;;
	*) die "unknown tool '$t' (want pulumi, staticcheck, eks, yaml or node)" ;;
	esac
done

for e in "${exports[@]}"; do
	printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
done
# node alone adds no directory; an empty PATH entry would mean ".".
if ((${#paths[@]})); then
	p=$(IFS=:; echo "${paths[*]}")
	# shellcheck disable=SC2016 # $PATH is for the caller's eval to expand.
	printf 'export PATH=%q:"$PATH"\n' "$p"
fi
