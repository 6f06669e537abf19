#!/usr/bin/env bash
# Lint the OpenAPI contract with the pinned linters: Redocly (recommended, operation-4xx-response as error) and
# Spectral (spectral:oas + OWASP). Runs both, then exits non-zero if either reported an error.
# Usage: spec/lint/run.sh [SPEC]   (default: spec/openapi.yaml). Needs `npm ci` in spec/lint first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spec="$(realpath "${1:-$here/../openapi.yaml}")"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
bin="$here/node_modules/.bin"
if [[ ! -x "$bin/redocly" || ! -x "$bin/spectral" ]]; then
  echo "spec/lint: linters not installed; run: (cd spec/lint && npm ci)" >&2
  exit 2
fi
if [[ ! -f "$spec" ]]; then
  echo "spec/lint: no spec at $spec" >&2
  exit 2
fi
cd "$here"
status=0
echo "== redocly lint $spec"
"$bin/redocly" lint --config "$here/redocly.yaml" --format stylish "$spec" || status=1
echo "== spectral lint $spec"
"$bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity error "$spec" || status=1
if [[ $status -ne 0 ]]; then
  echo "spec/lint: FAILED (errors above)" >&2
fi
exit $status
