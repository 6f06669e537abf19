"""Property-based conformance of every operation (schemathesis 4.32.5), mapped onto catalogue ids.

Positive and negative generation, the examples, coverage and fuzzing phases, and stateful sequences through
the spec's links; all built-in checks plus the kit's own (error shape, integer Retry-After). Example counts
depend on the profile (conformance.properties.PROFILES). Traffic is spread over several IAM users of a
throwaway account, each paced below the spec's rate limit; 429s are validated, then retried after Retry-After.
"""

from __future__ import annotations

from typing import Any

import httpx
import hypothesis
import pytest

from conformance import properties
from conformance.runtime import current_run

RUN = current_run()
schema = properties.build_schema(RUN)
POOL = properties.install(schema, RUN)
PROFILE = properties.PROFILES[RUN.settings.profile]

pytestmark = [pytest.mark.cnx_properties, pytest.mark.schema]


@schema.parametrize()  # type: ignore[untyped-decorator]
def test_operation(case: Any) -> None:
    case.call_and_validate()


StatefulMachine: Any = schema.as_state_machine()
# hypothesis reads the seed from the state machine class (run_state_machine_as_test).
StatefulMachine._hypothesis_internal_use_seed = RUN.settings.seed


@pytest.mark.slow
class TestStateful(StatefulMachine.TestCase):  # type: ignore[misc]
    # The config's max-steps is ignored in pytest (brief §5): the settings are set here.
    settings = hypothesis.settings(
        max_examples=PROFILE.stateful_examples,
        stateful_step_count=PROFILE.stateful_steps,
        deadline=None,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )


def test_rate_limited_answer_is_well_formed(fresh_identity: Any, target: Any, contract: Any) -> None:
    """Provoke 429s on purpose (twice the limit, unpaced, from a throwaway account): each must carry an
    integer Retry-After and the error shape. Without it the two checks would pass vacuously on a quiet run."""
    account = fresh_identity()
    operation = contract.op("auth_me_get")
    tally = properties.current_tally()
    seen = 0
    with httpx.Client(
        base_url=target.base_url, timeout=target.config.timeout, verify=target.config.verify_tls
    ) as http:
        for _ in range(2 * contract.rate_limit):
            response = http.request(operation.method, operation.path, headers={"Cookie": account.root.cookie_header})
            if response.status_code == 429:
                seen += 1
                wrapped = _Wrapped(response)
                for check in (properties.retry_after_is_integer, properties.error_shape):
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


class _Wrapped:
    """An httpx response seen through the attributes the kit's schemathesis checks read."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = {k.lower(): [v] for k, v in response.headers.items()}
        self.content = response.content
