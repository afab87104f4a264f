#!/bin/sh
# Regenerates statetemplate.min.js from statetemplate.js with esbuild (needs
# npx; CI does not: the built file is committed). The first line records the
# SHA-256 of the source, which a Go test compares with the source.
set -eu
cd "$(dirname "$0")"
sum=$(sha256sum statetemplate.js | cut -d' ' -f1)
min=$(npx --yes esbuild@0.24.0 statetemplate.js --minify --target=es2017 --log-level=warning)
printf '/* statetemplate client, source sha256 %s */\n%s\n' "$sum" "$min" > statetemplate.min.js
wc -c statetemplate.min.js
gzip -9c statetemplate.min.js | wc -c
