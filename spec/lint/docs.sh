#!/usr/bin/env bash
# Render the browsable API reference from the contract into reports/api-reference.html (Redocly build-docs).
# Usage: spec/lint/docs.sh [SPEC] [OUTPUT]. Needs `npm ci` in spec/lint first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spec="$(realpath "${1:-$here/../openapi.yaml}")"
out="$(realpath -m "${2:-$here/../../reports/api-reference.html}")"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
mkdir -p "$(dirname "$out")"
cd "$here"
"$here/node_modules/.bin/redocly" build-docs --config "$here/redocly.yaml" --output "$out" "$spec"
echo "API reference: $out"
