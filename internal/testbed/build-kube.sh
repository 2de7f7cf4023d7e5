#!/usr/bin/env bash
# build-kube.sh builds the Kubernetes test bed binaries (kube-apiserver, etcd, kwok) from
# the Go module proxy into a cache directory outside the repository, keyed by versions.
# Binaries that already exist are left alone, so a second run costs nothing.
#
# Environment:
#   BUNDLE_TESTBIN  target directory
#                   (default: $(go env GOCACHE)/../bundle-testbin/k8s-v1.36.3-kwok-v0.8.0)
set -euo pipefail

KUBE_VERSION=v1.36.3
STAGING_VERSION=v0.36.3
KWOK_VERSION=v0.8.0

gocache=$(go env GOCACHE)
bin=${BUNDLE_TESTBIN:-$gocache/../bundle-testbin/k8s-$KUBE_VERSION-kwok-$KWOK_VERSION}
mkdir -p "$bin"
bin=$(cd "$bin" && pwd)

scratch=$(mktemp -d "${TMPDIR:-/tmp}/bundle-build-kube.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

log() { echo "build-kube: $*" >&2; }

# staging_replaces prints a replace line for every module that k8s.io/kubernetes replaces
# with a ./staging directory, pinned to the matching published version.
staging_replaces() {
	local gomod
	gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" |
		sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
	if [[ -z $gomod || ! -f $gomod ]]; then
		log "cannot find go.mod of k8s.io/kubernetes@$KUBE_VERSION"
		exit 1
	fi
	grep -E '^[[:space:]]*(replace[[:space:]]+)?k8s\.io/[^ ]+ => \./staging/' "$gomod" |
		sed -E 's/^[[:space:]]*(replace[[:space:]]+)?(k8s\.io\/[^ ]+) => .*/\2/' |
		sort -u |
		while read -r mod; do
			echo "replace $mod => $mod $STAGING_VERSION"
		done
}

# setup_module writes the scratch module that pins kube-apiserver and etcd.
setup_module() {
	cd "$scratch"
	go mod init bundle-testbin >/dev/null 2>&1
	cat >tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
EOF
	go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
	staging_replaces >>go.mod
	log "resolving module graph"
	go mod tidy
}

build_kube() {
	local pkg=k8s.io/component-base/version
	local flags="-s -w"
	flags+=" -X $pkg.gitVersion=$KUBE_VERSION"
	flags+=" -X $pkg.gitMajor=1 -X $pkg.gitMinor=36"
	flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-01-01T00:00:00Z"
	flags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
	if [[ ! -x $bin/kube-apiserver ]]; then
		log "building kube-apiserver $KUBE_VERSION (several minutes the first time)"
		go build -ldflags "$flags" -o "$bin/kube-apiserver.tmp" \
			k8s.io/kubernetes/cmd/kube-apiserver
		mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
	fi
	if [[ ! -x $bin/etcd ]]; then
		log "building etcd"
		go build -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3
		mv "$bin/etcd.tmp" "$bin/etcd"
	fi
}

build_kwok() {
	cd "$scratch"
	# The CRDs and stage files are read from the module cache at test time.
	go mod download "sigs.k8s.io/kwok@$KWOK_VERSION"
	if [[ ! -x $bin/kwok ]]; then
		log "building kwok $KWOK_VERSION"
		mkdir -p "$scratch/gobin"
		GOBIN="$scratch/gobin" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
		mv "$scratch/gobin/kwok" "$bin/kwok"
	fi
}

main() {
	if [[ ! -x $bin/kube-apiserver || ! -x $bin/etcd ]]; then
		setup_module
		build_kube
	fi
	build_kwok
	log "binaries in $bin"
}

main "$@"
