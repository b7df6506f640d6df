#!/usr/bin/env bash
# Rebuilds ../../static/vendor/medcrypto/medcrypto.js and its LICENSES from
# the exact versions in package-lock.json. Run it from anywhere; it needs
# Node.js and npm, and is not part of the build or the tests: the output is
# committed, so `go build` needs nothing but Go.
set -euo pipefail
cd "$(dirname "$0")"
out=../../static/vendor/medcrypto
npm ci --no-audit --no-fund --ignore-scripts=false
./node_modules/.bin/esbuild entry.js --bundle --format=esm --target=es2022 \
  --legal-comments=eof --outfile="$out/medcrypto.js"
{
  for p in age-encryption @noble/ciphers @noble/curves @noble/hashes @noble/post-quantum @scure/base; do
    v=$(node -p "require('./node_modules/$p/package.json').version")
    echo "=== $p $v ==="
    cat "node_modules/$p/LICENSE"
    echo
  done
} >"$out/LICENSES"
sha256sum "$out/medcrypto.js"
rm -rf node_modules
