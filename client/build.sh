#!/bin/sh
# Regenerates the client bundles from the modules in src/ with esbuild
# (needs npx; CI does not: the built files are committed):
#   statetemplate.min.js       the client's core (src/main.js and its imports)
#   statetemplate-plus.min.js  the plus extension (src/ext-plus.js): hooks,
#                              navigation, live inputs, field errors, flash
#                              and uploads, loaded when a page uses them
# The first line of each records the first 64 bits of the SHA-256 of the
# sources (src/*.js concatenated in name order), which a Go test compares
# with the sources.
set -eu
cd "$(dirname "$0")"
sum=$(cat src/*.js | sha256sum | cut -c1-16)
build() {
	min=$(npx --yes esbuild@0.24.0 "$1" --bundle --format=iife --minify --target=es2020 --log-level=warning)
	printf '/*statetemplate %s*/\n%s\n' "$sum" "$min" > "$2"
	printf '%s: %s bytes minified, %s bytes gzip -9\n' "$2" "$(wc -c < "$2")" "$(gzip -9c "$2" | wc -c)"
}
build src/main.js statetemplate.min.js
build src/ext-plus.js statetemplate-plus.min.js
