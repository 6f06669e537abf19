"""What the in-process schemathesis runs over the reference server share (design brief section 5 traps)."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
from schemathesis.config import SchemathesisConfig

import cloudnx_spec

_VALIDATION_STATUSES = {"400", "413", "415"}
_CURSOR = "#/components/parameters/Cursor"
_KEY = re.compile(r"^[!-~]{1,255}$")


def expected_positive(op: cloudnx_spec.Operation) -> list[str]:
    """The statuses ``op`` documents for a well-formed request (positive_data_acceptance's default omits 410/422)."""
    codes = {c for c in op.raw["responses"] if c.isdigit() and c not in _VALIDATION_STATUSES and c != "500"}
    if any(p.get("$ref") == _CURSOR for p in op.raw.get("parameters", [])):
        # A schema-valid but forged cursor is refused with 400 (components/parameters/Cursor).
        codes.add("400")
    return sorted(codes)


def config_for(ops: list[cloudnx_spec.Operation], seed: int) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "generation": {"max-examples": 100},
            "operations": [
                {
                    "include-operation-id": op.operation_id,
                    "checks": {"positive_data_acceptance": {"expected-statuses": expected_positive(op)}},
                }
                for op in ops
            ],
        }
    )


def login_cookies(app: Any, creds: dict[str, str]) -> str:
    """Sign up (a repeat answers 409, harmlessly) and log in; the Set-Cookie headers of the login, joined."""

    async def run() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            await client.post("/auth/signup", json=creds)
            login = await client.post("/auth/login", json=creds)
            login.raise_for_status()
            return "\n".join(login.headers.get_list("set-cookie"))

    return asyncio.run(run())


def fresh_idempotency_key(case: Any) -> None:
    """Hypothesis reuses generated values: a reused valid key would make a correct server replay an old answer."""
    headers = case.headers or {}
    value = headers.get("Idempotency-Key")
    if isinstance(value, str) and _KEY.match(value):
        headers["Idempotency-Key"] = str(uuid.uuid4())
