#!/usr/bin/env bash
# Copies an example folder alone into a fresh module, as a user starting an
# app from it would, and builds, vets and tests it there against this
# checkout: proof that the example imports nothing a user cannot import.
#
#   bash proof/copy-example.sh               # examples/nethttp
#   bash proof/copy-example.sh gin echo      # the examples named
#
# Offline: the new module starts from the versions this checkout is tested
# with (its go.mod's requirements and its go.sum), so that go mod tidy finds
# every module it needs in the module cache; GOPROXY=off makes sure nothing
# is downloaded. (Without that start, tidy would pick other versions of a few
# modules that only tests of dependencies need, and want to download them.)
# The temporary module is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
requirements=$(awk '/^require \(/ { block = 1; next }
	block && /^\)/ { block = 0 }
	block { print "-require=" $1 "@" $2 }
	/^require [^(]/ { print "-require=" $2 "@" $3 }' go.mod)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOWORK=off GOPROXY=off GOFLAGS=

for example in "${@:-nethttp}"; do
	printf 'examples/%s, copied into a module of its own\n' "$example"
	dir=$tmp/$example
	cp -R "examples/$example" "$dir"
	(
		cd "$dir"
		go mod init example.com/chat 2>/dev/null
		# shellcheck disable=SC2086 # one -require flag per word
		go mod edit -replace "github.com/sessiontrace/sessiontrace=$checkout" $requirements
		cp "$checkout/go.sum" go.sum
		if ! tidied=$(go mod tidy 2>&1); then
			printf '%s\n' "$tidied" >&2
			exit 1
		fi
		go build ./...
		go vet ./...
		go test -race -count=1 ./...
	)
done
