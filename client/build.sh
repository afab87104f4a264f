#!/bin/sh
# Regenerates statetemplate.min.js from the modules in src/ with esbuild
# (needs npx; CI does not: the built file is committed). The first line
# records the SHA-256 of the sources (src/*.js concatenated in name order),
# which a Go test compares with the sources.
set -eu
cd "$(dirname "$0")"
sum=$(cat src/*.js | sha256sum | cut -d' ' -f1)
min=$(npx --yes esbuild@0.24.0 src/main.js --bundle --format=iife --minify --target=es2020 --log-level=warning)
printf '/* statetemplate client, source sha256 %s */\n%s\n' "$sum" "$min" > statetemplate.min.js
wc -c statetemplate.min.js
gzip -9c statetemplate.min.js | wc -c
