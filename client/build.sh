#!/bin/sh
# Regenerates the client bundles from the modules in src/ with esbuild
# (needs npx; CI does not: the built files are committed):
#   statetemplate.min.js         the client (src/main.js and its imports)
#   statetemplate-upload.min.js  the upload extension (src/ext-upload.js),
#                                loaded by the client when a form has files
# The first line of each records the SHA-256 of the sources (src/*.js
# concatenated in name order), which a Go test compares with the sources.
set -eu
cd "$(dirname "$0")"
sum=$(cat src/*.js | sha256sum | cut -d' ' -f1)
build() {
	min=$(npx --yes esbuild@0.24.0 "$1" --bundle --format=iife --minify --target=es2020 --log-level=warning)
	printf '/* statetemplate client, source sha256 %s */\n%s\n' "$sum" "$min" > "$2"
	printf '%s: %s bytes minified, %s bytes gzip -9\n' "$2" "$(wc -c < "$2")" "$(gzip -9c "$2" | wc -c)"
}
build src/main.js statetemplate.min.js
build src/ext-upload.js statetemplate-upload.min.js
