"""Schemathesis over every compute and storage operation of the in-process reference server.

All built-in checks, positive and negative data, >= 100 examples per operation, plus a stateful run along the
spec's links. Traps handled as the design brief (section 5) describes:
- a generated valid ``Idempotency-Key`` is replaced by a fresh uuid4 on every call (Hypothesis reuses values, and a
  correct server would replay an old answer); replay itself is tested deliberately elsewhere;
- ``positive_data_acceptance`` expects, per operation, the statuses that operation documents for a well-formed
  request (everything but 400/413/415/500, plus 400 where a forged ``cursor`` is refused): its default set leaves
  out 409/410/422, which these operations use;
- the server's rate limit is lifted for this in-process run only: the limiter has tests of its own, and this test
  is about compute/storage semantics. 429 stays a documented answer of every operation.
The server runs with ``debug_validation`` on, so any response that drifts from the spec comes back as a 500.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

import cloudnx_spec
from reference_server.app import create_app
from reference_server.settings import Settings

from .schemathesis_support import config_for, fresh_idempotency_key, login_cookies

pytestmark = [pytest.mark.server, pytest.mark.slow]

SEED = 20261126
SERVICES = ("compute", "storage")

APP = create_app(Settings.load(options={"debug_validation": True, "rate_limit": 100_000}, environ={}))


def _ops() -> list[cloudnx_spec.Operation]:
    return [op for op in cloudnx_spec.operations() if op.service in SERVICES]


def _login() -> str:
    """Sign up (idempotent per process) and log in an account; its access JWT, as a bearer token."""

    cookies = login_cookies(APP, {"email": "schemathesis@example.com", "password": "correct horse battery staple"})
    found = re.search(r"cnx_access=([^;]+)", cookies)
    assert found is not None, cookies
    return found.group(1)


CONFIG = config_for(_ops(), SEED)
schema = schemathesis.openapi.from_path(cloudnx_spec.spec_path(), config=CONFIG)
schema.app = APP
# exclude(), not include(): with [[operations]] blocks, include() stops filtering (brief section 5).
schema = schema.exclude(path_regex=r"^/auth/")


@schema.auth()
class Bearer:
    """A fresh login whenever schemathesis refreshes auth (access tokens live 900 s)."""

    def get(self, case: Any, ctx: Any) -> str:
        return _login()

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# Calls made per operationId by the parametrized test, reported at the end of the module (pytest -s shows it).
CALLS: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def report_calls() -> Iterator[None]:
    yield
    if CALLS:
        low = min(CALLS, key=lambda k: CALLS[k])
        print(  # the figures this slow test exists to produce
            f"\nschemathesis (seed {SEED}): {sum(CALLS.values())} calls over {len(CALLS)} operations; "
            f"fewest {CALLS[low]} ({low}), most {max(CALLS.values())}"
        )


def test_every_compute_and_storage_operation_is_covered() -> None:
    covered = {r.ok().definition.raw["operationId"] for r in schema.get_all_operations()}
    assert covered == {op.operation_id for op in _ops()}
    assert len(covered) == 63


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_compute_and_storage_conform(case: Any) -> None:
    fresh_idempotency_key(case)
    CALLS[case.operation.definition.raw["operationId"]] += 1
    case.call_and_validate()


_KINDS = ("vpc", "firewall", "firewall_rule", "instance", "volume", "snapshot", "eip", "load_balancer", "lb_target",
          "asg", "bucket", "bucket_key", "s3_object")  # fmt: skip


class Stateful(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # Every run starts from an empty compute/storage state, so Hypothesis can replay and shrink a run
        # (bucket names are global: a replay would otherwise meet the bucket its first run created).
        store = APP.ctx.store
        for kind in _KINDS:
            for record in store.scan(kind):
                store.delete(kind, record["id"])

    def before_call(self, case: Any) -> None:
        fresh_idempotency_key(case)


TestStateful = Stateful.TestCase
TestStateful.settings = settings(
    max_examples=100, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
