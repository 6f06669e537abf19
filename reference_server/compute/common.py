"""Helpers every compute resource shares: timestamps, owned lookups, quotas and the bounds read from the spec.

Resources live in the platform store under one kind each (``KIND_*``); lookups go through :func:`owned_or_404`
so another account's record answers exactly like a missing one (spec, "Tenant isolation").
"""

from __future__ import annotations

import time
from typing import Any

import cloudnx_spec
from reference_server.errors import conflict, not_found, unprocessable
from reference_server.platform.core import Call, ServerContext
from reference_server.platform.store import Record

__all__ = [
    "KIND_ASG",
    "KIND_EIP",
    "KIND_FIREWALL",
    "KIND_INSTANCE",
    "KIND_LB",
    "KIND_RULE",
    "KIND_SNAPSHOT",
    "KIND_TARGET",
    "KIND_VOLUME",
    "KIND_VPC",
    "account_of",
    "deleted",
    "ensure_quota",
    "iso",
    "limit",
    "owned_or_404",
    "owned_or_422",
]

KIND_VPC = "vpc"
KIND_FIREWALL = "firewall"
KIND_RULE = "firewall_rule"
KIND_INSTANCE = "instance"
KIND_VOLUME = "volume"
KIND_SNAPSHOT = "snapshot"
KIND_EIP = "eip"
KIND_LB = "load_balancer"
KIND_TARGET = "lb_target"
KIND_ASG = "asg"

# Human words for error messages, so a 404 names the resource the way the spec's tags do.
_WORDS = {
    KIND_VPC: "VPC",
    KIND_FIREWALL: "firewall",
    KIND_RULE: "firewall rule",
    KIND_INSTANCE: "instance",
    KIND_VOLUME: "volume",
    KIND_SNAPSHOT: "snapshot",
    KIND_EIP: "Elastic IP",
    KIND_LB: "load balancer",
    KIND_TARGET: "target",
    KIND_ASG: "auto scaling group",
}


def iso(timestamp: float) -> str:
    """RFC 3339 UTC, whole seconds (components/schemas/Timestamp)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def account_of(call: Call) -> str:
    return call.principal.account_id


def limit(name: str) -> int:
    """A quota from the spec's limits (never copied into Python)."""
    return cloudnx_spec.limits()[name]


def owned_or_404(call: Call, kind: str, record_id: str) -> Record:
    record = call.ctx.store.owned(kind, account_of(call), record_id)
    if record is None:
        raise not_found(_WORDS[kind], record_id)
    return record


def owned_or_422(call: Call, kind: str, record_id: str, field: str) -> Record:
    """A resource named in a request body: unknown (or another account's) is a semantic error, not a 404."""
    record = call.ctx.store.owned(kind, account_of(call), record_id)
    if record is None:
        raise unprocessable(f"{field}: {_WORDS[kind]} {record_id} does not exist in this account")
    return record


def ensure_quota(ctx: ServerContext, kind: str, account_id: str, adding: int = 1, quota: str | None = None) -> None:
    """409 when ``adding`` more records of ``kind`` would pass the account's quota (cloudnx_spec.limits())."""
    name = quota or "resources_per_type_per_account"
    cap = limit(name)
    if ctx.store.count(kind, account_id) + adding > cap:
        raise conflict(f"quota exceeded: at most {cap} {_WORDS[kind]} records per account ({name})")


def deleted(record_id: str) -> dict[str, Any]:
    """The ``Deleted`` confirmation body."""
    return {"id": record_id, "deleted": True}
