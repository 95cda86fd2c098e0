#!/usr/bin/env bash
# Rebuild src/cookiewarden/web/static/guard.min.js (what /_consent/guard.js serves) from the
# readable guard.js, with terser from the npm registry (a build tool only: nothing of it ships).
# tests/web/test_guard_build.py fails while the built file is older than its source.
set -euo pipefail
cd "$(dirname "$0")/.."
src=src/cookiewarden/web/static/guard.js
out=src/cookiewarden/web/static/guard.min.js
hash=$(sha256sum "$src" | cut -c1-64)
tmp=$(mktemp)
npx --yes terser@5.51.4 "$src" --compress passes=2 --mangle --ecma 2020 --comments false -o "$tmp"
{
    echo "/*! cookiewarden page guard: built from guard.js (sha256 $hash) by scripts/build_guard.sh; see docs/GUARD.md */"
    cat "$tmp"
    echo
} > "$out"
rm -f "$tmp"
gzip -9c "$out" | wc -c | xargs printf '%s: %s bytes gzipped\n' "$out"
