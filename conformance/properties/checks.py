"""The kit's own schemathesis checks, run inside every exchange of the property-based part.

Registered with schemathesis when this module is imported (``@schemathesis.check`` is how its engine finds
custom checks); any state they need lives on the run's :class:`~conformance.properties.engine.PropertyRun`,
reached through the schema of the case they judge.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

import cloudnx_spec
from conformance.bootstrap import ANONYMOUS
from conformance.contract import contract
from conformance.leaks import find_leak

_PROBE_ATTEMPTS = 3

__all__ = [
    "error_shape",
    "error_shows_no_internals",
    "ignored_auth_once_per_operation",
    "retry_after_is_integer",
]


def _header(response: Any, name: str) -> str:
    raw = response.headers.get(name, [""])
    return str((raw[0] if isinstance(raw, list) and raw else raw) or "")


@schemathesis.check
def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx is ``{"error": string}`` with a JSON Content-Type (seed: Error shape)."""
    if response.status_code < 400:
        return None
    media = _header(response, "content-type").split(";")[0].strip().lower()
    if media != "application/json":
        raise AssertionError(f"{response.status_code} with Content-Type {media!r}; the seed requires JSON errors")
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from None
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        raise AssertionError(f'{response.status_code} body is not {{"error": string}}: {str(body)[:200]}')
    return None


@schemathesis.check
def error_shows_no_internals(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 4xx/5xx body shows a stack frame, exception class, SQL error or source path of any stack (OWASP API8)."""
    if response.status_code < 400:
        return None
    leak = find_leak((response.content or b"").decode("utf-8", "replace"))
    if leak:
        raise AssertionError(
            f"{response.status_code} error body shows internals ({leak}): {response.content[:200]!r}"
        )
    return None


@schemathesis.check
def retry_after_is_integer(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 429 carries ``Retry-After`` in whole seconds, at least the spec's minimum (RFC 6585, RFC 9110)."""
    if response.status_code != 429:
        return None
    value = _header(response, "retry-after")
    minimum = int(contract().ext("rate-limit")["retry_after"].get("at_least", 1))
    if not value.strip().isdigit() or int(value) < minimum:
        raise AssertionError(f"429 with Retry-After {value!r}; the spec requires an integer >= {minimum}")
    return None


@schemathesis.check
def ignored_auth_once_per_operation(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's ``ignored_auth``, confirmed once per operation per run as its own engine does.

    In pytest the built-in probes after every authenticated 2xx (no run-wide memory); the probes are anonymous
    traffic, which the spec limits per client address, so they would dominate the run's time. The memory is the
    run's, kept on the schema's run object.
    """
    from schemathesis.openapi.checks import IgnoredAuth
    from schemathesis.specs.openapi._auth_retry import get_security_parameters
    from schemathesis.specs.openapi.checks import ignored_auth

    run = getattr(case.operation.schema, "cnx_run", None)
    if run is None:
        return None
    ctx.auth_enforced_operations = run.enforced
    # The probes go out without the run's session (schemathesis strips it with the credentials): unpaced anonymous
    # traffic, which the target limits per client address. They are paced here like the rest of it, and a probe
    # the target throttled says nothing about authentication: it is probed again after a window of silence
    # (soak: core seed 1 failed AUTH-NOT-IGNORED on a correct target's 429).
    if case.operation.label in run.enforced or not 200 <= response.status_code < 300:
        return ignored_auth(ctx, response, case)  # it sends no probe: nothing to pace
    pacer = run.run.pacers.get(ANONYMOUS)
    throttled = f"got `{cloudnx_spec.rate_limit().exceeded_status} "  # schemathesis's message names the status
    for attempt in range(_PROBE_ATTEMPTS):
        for _ in range(1 + len(get_security_parameters(case.operation))):  # one probe without, one per scheme
            pacer.acquire()
        try:
            return ignored_auth(ctx, response, case)
        except IgnoredAuth as failure:
            if throttled not in failure.message or attempt == _PROBE_ATTEMPTS - 1:
                raise
            pacer.hold(pacer.window)
    return None
