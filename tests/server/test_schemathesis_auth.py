"""Schemathesis over every auth operation of the in-process reference server: all built-in checks, positive and
negative data, >= 100 examples per operation, zero failures.

Traps handled as the design brief (section 5) describes:
- a generated valid ``Idempotency-Key`` is replaced by a fresh uuid4 on every call (Hypothesis reuses values and
  a correct server would replay an old answer); replay is tested deliberately in test_idempotency.py;
- ``positive_data_acceptance`` expects, per operation, the statuses that operation documents for a well-formed
  request (all but 400/413/415/500; plus 400 where a schema-valid but forged ``cursor`` is refused), read from
  the spec: its default set leaves out 410 and 422, which auth operations use;
- refresh and logout end the session they are given, so each of their cases gets a session of its own;
- the server's rate limit is lifted for this run only (a tester's setting): the limiter has its own tests.
The server runs with ``debug_validation`` on, so a response drifting from the spec comes back as a 500.
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

SEED = 3_2026_1126
_OWN_SESSION = {"auth_refresh", "auth_logout"}

APP = create_app(Settings.load(options={"debug_validation": True, "rate_limit": 100_000}, environ={}))
CREDS = {"email": "schemathesis-auth@example.com", "password": "correct horse battery staple"}


def _ops() -> list[cloudnx_spec.Operation]:
    return [op for op in cloudnx_spec.operations() if op.service == "auth"]


def _login() -> tuple[str, str]:
    """(access JWT, refresh token) of a fresh session of the test account (signed up on first use)."""

    cookies = login_cookies(APP, CREDS)
    access = re.search(r"cnx_access=([^;]+)", cookies)
    refresh = re.search(r"cnx_refresh=([^;]+)", cookies)
    assert access is not None, cookies
    assert refresh is not None, cookies
    return access.group(1), refresh.group(1)


CONFIG = config_for(_ops(), SEED)
schema = schemathesis.openapi.from_path(cloudnx_spec.spec_path(), config=CONFIG)
schema.app = APP
# exclude(), not include(): with [[operations]] blocks, include() stops filtering (brief section 5).
schema = schema.exclude(path_regex=r"^/(compute|storage)/")


@schema.auth()
class Session:
    """A long-lived session for most operations; refresh and logout get a session of their own per case."""

    def get(self, case: Any, ctx: Any) -> tuple[str, str]:
        return _login()

    def set(self, case: Any, data: tuple[str, str], ctx: Any) -> None:
        operation_id = case.operation.definition.raw["operationId"]
        access, refresh = _login() if operation_id in _OWN_SESSION else data
        if operation_id == "auth_refresh":
            case.cookies = {**(case.cookies or {}), "cnx_refresh": refresh}
        else:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {access}"}


CALLS: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def report_calls() -> Iterator[None]:
    yield
    if CALLS:
        # Operations without inputs (e.g. the JWKS) have few distinct examples: Hypothesis stops when it has
        # exhausted them, so they show fewer than max-examples cases.
        few = ", ".join(f"{op}={n}" for op, n in sorted(CALLS.items()) if n < 100)
        print(  # the figures this slow test exists to produce (pytest -s shows them)
            f"\nschemathesis auth (seed {SEED}): {sum(CALLS.values())} cases over {len(CALLS)} operations; "
            f"min {min(CALLS.values())}, max {max(CALLS.values())}; under 100 (input space exhausted): {few}"
        )


def test_every_auth_operation_is_covered() -> None:
    covered = {r.ok().definition.raw["operationId"] for r in schema.get_all_operations()}
    assert covered == {op.operation_id for op in _ops()}
    assert len(covered) == 48


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_auth_operations_conform(case: Any) -> None:
    fresh_idempotency_key(case)
    CALLS[case.operation.definition.raw["operationId"]] += 1
    case.call_and_validate()
