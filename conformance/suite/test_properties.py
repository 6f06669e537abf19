"""Property-based conformance of every operation (schemathesis 4.32.5), one test per operation.

Positive and negative generation, the examples, coverage and fuzzing phases, and stateful sequences through
the spec's links; all built-in checks plus the kit's own (error shape, integer Retry-After). Example counts
depend on the profile (conformance.properties.PROFILES). Traffic is spread over several IAM users of a
throwaway account, each paced below the spec's rate limit; 429s are validated, then retried after Retry-After.
Each ``test_operation[<operationId>]`` records one result per catalogue check that judged that operation.
"""

from __future__ import annotations

import httpx
import hypothesis
import pytest
from hypothesis.stateful import run_state_machine_as_test

from conformance.contract import Contract, contract
from conformance.fixtures import TALLY_KEY, FreshAccount
from conformance.properties import PropertyRun, Tally, error_shape, retry_after_is_integer
from conformance.runtime import Target
from conformance.suite.support import auth_headers

pytestmark = [pytest.mark.cnx_properties, pytest.mark.schema]


def _fail_on(tally: Tally) -> None:
    if tally.failed:
        lines = [f"{name}: {message.splitlines()[0]}" for name, message in sorted(tally.failed.items())]
        raise AssertionError("; ".join(lines)[:2000])


@pytest.mark.parametrize("operation_id", [o.operation_id for o in contract().operations()])
def test_operation(operation_id: str, cnx_properties: PropertyRun, request: pytest.FixtureRequest) -> None:
    try:
        tally = cnx_properties.test_operation(operation_id)
    finally:  # also when the target stops answering: the failures found before stay evidence
        request.node.stash[TALLY_KEY] = cnx_properties.tally
    _fail_on(tally)


@pytest.mark.slow
def test_stateful(cnx_properties: PropertyRun, request: pytest.FixtureRequest) -> None:
    """Sequences through the spec's links (create -> get/delete...), judged by the same checks."""
    machine = cnx_properties.state_machine()
    request.node.stash[TALLY_KEY] = cnx_properties.tally
    profile = cnx_properties.profile
    # The config's max-steps is ignored in pytest: the settings are given here.
    settings = hypothesis.settings(
        max_examples=profile.stateful_examples,
        stateful_step_count=profile.stateful_steps,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    run_state_machine_as_test(machine, settings=settings)
    _fail_on(cnx_properties.tally)


def test_rate_limited_answer_is_well_formed(
    fresh_identity: FreshAccount, target: Target, contract: Contract, request: pytest.FixtureRequest
) -> None:
    """Provoke 429s on purpose (twice the limit, unpaced, from a throwaway account): each must carry an
    integer Retry-After and the error shape. Without it the two checks would pass vacuously on a quiet run."""
    account = fresh_identity()
    operation = contract.op("auth_me_get")
    tally = Tally(operation.operation_id)
    request.node.stash[TALLY_KEY] = tally
    seen = 0
    with httpx.Client(base_url=target.base_url, timeout=target.config.timeout, verify=target.verify) as http:
        for _ in range(2 * contract.rate_limit):
            response = http.request(operation.method, operation.path, headers=auth_headers(account.root, "cookie"))
            if response.status_code == 429:
                seen += 1
                wrapped = _Wrapped(response)
                for check in (retry_after_is_integer, error_shape):
                    try:
                        check(None, wrapped, None)
                        tally.add(check.__name__, None)
                    except AssertionError as exc:
                        tally.add(check.__name__, f"GET {operation.path}: {exc}")
    if not seen:
        tally.inconclusive.setdefault(
            "retry_after_is_integer",
            f"no 429 after {2 * contract.rate_limit} requests in about a second: nothing to validate",
        )
    _fail_on(tally)


class _Wrapped:
    """An httpx response seen through the attributes the kit's schemathesis checks read."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = {k.lower(): [v] for k, v in response.headers.items()}
        self.content = response.content
