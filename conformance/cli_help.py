"""The words of ``cloudnx-conformance --help`` and ``run --help``: what it does, exit codes, environment, examples."""

from __future__ import annotations

__all__ = ["CHECKS", "EPILOG", "MAIN", "RUN", "RUN_EPILOG", "VERIFY"]

MAIN = """\
Judge any implementation of the CloudNx API (auth, compute, storage) against spec/openapi.yaml, check by check.

Success looks like `CONFORMANT` and exit code 0. A failing run prints each broken rule, the operations it broke
on, a curl line that reproduces one failure and a command that reruns just those checks."""

EPILOG = """\
commands:
  run      run the suite against a target (default: the bundled reference server)
  checks   list the check catalogue (table, JSON or Markdown)
  verify   recompute a report's verdict and check its digest (and signature); refuse a doctored one
  keygen   make an Ed25519 key pair for signing reports (run --sign-key, verify --public-key)

`cloudnx-conformance COMMAND --help` says more about each."""

RUN = """\
Run the conformance suite against TARGET (or, without --target, against the bundled reference server started
on a free loopback port). Property-based checks generate requests for every operation of the spec
(schemathesis + hypothesis); hand-written checks cover what schemas cannot say (isolation, idempotency,
rate limiting, JWT, SigV4, cookies, pagination, audit). Accounts are signed up through the target's public API
unless the config file names existing ones; everything the run creates is deleted afterwards.

Each run writes reports/<run-id>/ (junit.xml, allure-results/, report.json, summary.md, report.html) and
points reports/latest at it, so runs never overwrite each other; --report-dir DIR writes exactly into DIR."""

RUN_EPILOG = """\
selection (--include / --exclude, repeatable, comma-separated lists too):
  PATTERN is [KIND:]GLOB with KIND one of check, capability, service, operation (`cloudnx-conformance checks`
  lists them; operations are the spec's operationIds). A bare glob takes the kind whose names it matches:
  ERR-* (checks), instances_* (operations). Includes of different kinds must all match, of one kind any.
  Hand-written checks judge several operations each: an operation include narrows the property-based part and
  leaves them out; a service pattern keeps the hand-written checks that name the service and narrows the
  property-based part to its operations. A selection that leaves checks of the profile unrun is reported as
  such, never CONFORMANT.

exit codes:
  0  conformant: every check of the profile passed (or is waived, or already failed in --baseline)
  1  non-conformant: the target broke at least one rule (the summary lists each with a curl line)
  2  the kit could not run: unreachable target, bad config or option, not a CloudNx API (one sentence says why)
  3  partial: a check of the profile reached no verdict (a selection, -k, --collect-only, nothing selected);
     never conformant, even when everything that ran passed
  a target that stops answering mid-run: the failures found before stand (exit 1 when there is one, else 2);
  the tests not yet run are not-run with the time it stopped; only answered operations count as exercised
environment (command-line options win; then these; then the config file; then defaults):
  CNX_TARGET          base URL of the target                       (--target)
  CNX_CONFIG          TOML target config                           (--config)
  CNX_PROFILE         ci | core | strict | full                    (--profile)
  CNX_SEED            seed of generated data                       (--seed)
  CNX_REPORT_DIR      parent of the per-run report directories     (--report-dir writes exactly there)
  CNX_BASELINE        report.json of an earlier run                (--baseline)
  CNX_INCLUDE         comma-separated patterns                     (--include)
  CNX_EXCLUDE         comma-separated patterns                     (--exclude)
  CNX_MAX_EXAMPLES    examples per operation                       (--max-examples)
  CNX_HEADERS         'Name: value' lines sent on every request    (--header)
  CNX_BEARER_TOKEN    token presented on signup                    (--bearer-token; keeps it out of `ps`)
  CNX_SIGN_KEY        Ed25519 private key (PEM) signing report.json (--sign-key; `keygen` makes one)

examples:
  cloudnx-conformance run                                        # bundled reference server, profile core
  cloudnx-conformance run --target https://api.example.test --profile ci --seed 7
  cloudnx-conformance run --target URL --include 'ERR-*' --include 'operation:instances_*'
  cloudnx-conformance run --target URL --exclude capability:ratelimit --max-examples 3
  cloudnx-conformance run --target URL --header 'X-Api-Key: ...' --bearer-token "$SIGNUP_TOKEN"
  cloudnx-conformance run --config examples/target.toml --baseline reports/baseline/report.json
  cloudnx-conformance run --target URL --profile core --sign-key cloudnx-report-key    # a signed report
  cloudnx-conformance run --profile ci --include check:NO-5XX --list   # what would run; nothing is sent
  cloudnx-conformance run --target URL -- -x                           # after --: extra pytest arguments"""

CHECKS = "List the check catalogue: id, level, capability, services, profiles and the rule."

VERIFY = """\
Recompute a report's verdict from its own data and refuse one that does not add up: its digest, the signature
it carries, counts or verdicts; with --public-key, also a report not signed by that key (a faker can recompute a
digest, or sign with a key of their own, never with yours). Exit codes: 0 a verified conformant report; for a
genuine report its verdict's code (1 non-conformant, 2 kit error, 3 partial); 2 unreadable; 4 tampered."""
