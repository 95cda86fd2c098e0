#!/usr/bin/env bash
# Rebuild the page scripts the consent path serves, from their readable sources, with terser
# from the npm registry (a build tool only: nothing of it ships):
#   src/cookiewarden/web/static/guard.js  -> guard.min.js   (/_consent/guard.js)
#   src/cookiewarden/web/static/banner.js -> banner.min.js  (/_consent/banner.js)
# tests/web/test_page_scripts_build.py fails while a built file is older than its source.
set -euo pipefail
cd "$(dirname "$0")/.."
static=src/cookiewarden/web/static
for name in guard banner; do
    src=$static/$name.js
    out=$static/$name.min.js
    hash=$(sha256sum "$src" | cut -c1-64)
    tmp=$(mktemp)
    npx --yes terser@5.51.4 "$src" --compress passes=2 --mangle --ecma 2020 --comments false -o "$tmp"
    {
        echo "/*! cookiewarden $name: built from $name.js (sha256 $hash) by scripts/build_page_scripts.sh */"
        cat "$tmp"
        echo
    } > "$out"
    rm -f "$tmp"
    gzip -9c "$out" | wc -c | xargs printf '%s: %s bytes gzipped\n' "$out"
done
