"""IAM policy evaluation (cloudnx_spec.iam_scheme()): default deny, explicit deny wins, ``*``/``?`` wildcards,
conditions on cnx:SourceIp / cnx:PrincipalId / cnx:Service / cnx:AuthMethod.

Pure functions over policy documents, so the rules are testable without a server.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["RequestContext", "evaluate", "render_resource", "wildcard_match"]

Decision = Literal["allow", "deny", "implicit-deny"]


@dataclass(frozen=True)
class RequestContext:
    action: str
    resource: str
    condition_values: Mapping[str, str]  # cnx:SourceIp, cnx:PrincipalId, cnx:Service, cnx:AuthMethod


@functools.lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).match(value) is not None


def render_resource(template: str, account_id: str, path_params: Mapping[str, Any]) -> str:
    """Fill ``{account_id}`` and path parameters into an operation's ``Operation.iam.resource``."""
    values = {**{k: str(v) for k, v in path_params.items()}, "account_id": account_id}
    return re.sub(r"\{([A-Za-z0-9_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _in_cidrs(address: str, cidrs: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for cidr in cidrs:
        try:
            if ip in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False


def _condition_holds(operator: str, key: str, expected: list[str], ctx: RequestContext) -> bool:
    actual = ctx.condition_values.get(key)
    if actual is None:
        return operator in ("StringNotEquals", "NotIpAddress")
    if operator == "StringEquals":
        return actual in expected
    if operator == "StringNotEquals":
        return actual not in expected
    if operator == "StringLike":
        return any(wildcard_match(p, actual) for p in expected)
    if operator == "IpAddress":
        return _in_cidrs(actual, expected)
    if operator == "NotIpAddress":
        return not _in_cidrs(actual, expected)
    return False  # an operator we do not know never grants anything


def _statement_applies(statement: Mapping[str, Any], ctx: RequestContext) -> bool:
    # AWS matches action names case-insensitively and resource names case-sensitively.
    if not any(wildcard_match(a, ctx.action, ignore_case=True) for a in _as_list(statement.get("Action"))):
        return False
    if not any(wildcard_match(r, ctx.resource) for r in _as_list(statement.get("Resource"))):
        return False
    conditions = statement.get("Condition") or {}
    return all(
        _condition_holds(operator, key, _as_list(values), ctx)
        for operator, pairs in conditions.items()
        for key, values in (pairs or {}).items()
    )


def evaluate(documents: Iterable[Mapping[str, Any]], ctx: RequestContext) -> Decision:
    allowed = False
    for document in documents:
        for statement in document.get("Statement") or []:
            if not _statement_applies(statement, ctx):
                continue
            if statement.get("Effect") == "Deny":
                return "deny"  # explicit deny wins over any allow, in any policy
            if statement.get("Effect") == "Allow":
                allowed = True
    return "allow" if allowed else "implicit-deny"
