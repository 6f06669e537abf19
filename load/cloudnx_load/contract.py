"""What the load scenarios need from the contract, read through ``cloudnx_spec`` (never copied into Python).

The rate limit and Retry-After bounds come from ``cloudnx_spec.rate_limit()`` and the ``Retry-After`` header schema;
the endpoints each user hits are chosen by walking the operations, so a spec change moves the load with it.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import cloudnx_spec

__all__ = ["Endpoint", "Lifecycle", "LoadContract", "RateLimit", "contract"]


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    method: str
    path: str  # template, e.g. "/compute/vpcs/{vpc_id}"
    service: str

    def url(self, **params: str) -> str:
        return self.path.format(**params)


@dataclass(frozen=True)
class RateLimit:
    limit: int  # sustained: accepted requests per principal per window, all services together
    window: float  # seconds
    burst: int  # the soft limit's burst: at most limit x T / window + burst accepted in any T seconds
    judged_over: float  # seconds: the span the sustained rate is judged over
    services: tuple[str, ...]  # the services that share one budget
    exceeded_status: int
    retry_after_header: str
    retry_after_min: int
    retry_after_max: int


@dataclass(frozen=True)
class Lifecycle:
    """create -> get -> list -> delete of one resource kind, wired by the create operation's OpenAPI links."""

    service: str
    create: Endpoint
    list: Endpoint
    get: Endpoint
    delete: Endpoint
    example: dict[str, Any]  # the create operation's request example; "name" is replaced per request
    name_pattern: str
    name_max: int
    # path parameter of get/delete -> JSON pointer into the create response ("$response.body#/id" -> "/id")
    id_params: dict[str, str] = field(default_factory=dict)

    def body(self, run_tag: str) -> dict[str, Any]:
        body = dict(self.example)
        body["name"] = unique_name(run_tag, self.name_pattern, self.name_max)
        return body


@dataclass(frozen=True)
class LoadContract:
    rate: RateLimit
    probes: tuple[Endpoint, ...]  # one cheap authenticated GET per rate-limited service
    signup: Endpoint
    login: Endpoint
    access_cookie: str
    access_seconds: int
    lifecycles: tuple[Lifecycle, ...]


def unique_name(run_tag: str, pattern: str, max_length: int) -> str:
    """A run-prefixed name the schema accepts (lowercase hex so bucket rules hold too)."""
    name = f"cnx-{run_tag}-{secrets.token_hex(6)}"[:max_length].lower()
    if not re.fullmatch(pattern, name):
        raise cloudnx_spec.SpecError(f"generated name {name!r} does not match the spec's pattern {pattern!r}")
    return name


def _endpoint(op: cloudnx_spec.Operation) -> Endpoint:
    return Endpoint(op.operation_id, op.method, op.path, op.service)


def _secured(op: cloudnx_spec.Operation) -> bool:
    return not op.public


def _lifecycle(op: cloudnx_spec.Operation, by_id: dict[str, cloudnx_spec.Operation]) -> Lifecycle | None:
    """A create whose example needs no other resource (no *_id fields) and that links to its get and delete."""
    example = op.request_example
    if not isinstance(example, dict) or "name" not in example or any(k.endswith(("_id", "_ids")) for k in example):
        return None
    targets: dict[str, cloudnx_spec.Operation] = {}
    id_params: dict[str, str] = {}
    for link, target_id in op.links.items():
        target = by_id.get(target_id)
        if target is None or target.method not in ("GET", "DELETE"):
            continue
        targets[target.method] = target
        for param, expr in op.link_parameters[link].items():
            if isinstance(expr, str) and expr.startswith("$response.body#"):
                id_params[param] = expr.removeprefix("$response.body#")
    listing = next((o for o in by_id.values() if o.method == "GET" and o.path == op.path), None)
    if "GET" not in targets or "DELETE" not in targets or listing is None:
        return None
    name_schema = cloudnx_spec.deref((op.request_schema or {}).get("properties", {}).get("name", {}))
    return Lifecycle(
        service=op.service,
        create=_endpoint(op),
        list=_endpoint(listing),
        get=_endpoint(targets["GET"]),
        delete=_endpoint(targets["DELETE"]),
        example=example,
        name_pattern=str(name_schema.get("pattern", ".*")),
        name_max=int(name_schema.get("maxLength", 64)),
        id_params=id_params,
    )


@functools.cache
def contract() -> LoadContract:
    """Read once per process; raises ``cloudnx_spec.SpecError`` naming what the spec lacks."""
    limit = cloudnx_spec.rate_limit()
    header_name = limit.retry_after.header
    header_schema = cloudnx_spec.component("headers", header_name).get("schema", {})
    rate = RateLimit(
        limit=limit.requests_per_second,
        window=limit.window_seconds,
        burst=limit.burst,
        judged_over=limit.judged_over_seconds,
        services=limit.shared_across_services,
        exceeded_status=limit.exceeded_status,
        retry_after_header=header_name,
        retry_after_min=int(header_schema.get("minimum", limit.retry_after.at_least)),
        retry_after_max=int(header_schema.get("maximum", 3600)),
    )
    ops = cloudnx_spec.operations()
    by_id = {op.operation_id: op for op in ops}
    probes = []
    lifecycles = []
    for service in rate.services:
        # The cheapest authenticated read of each service: a GET with no path parameters (e.g. a list).
        probe = next(
            (o for o in ops if o.service == service and o.method == "GET" and "{" not in o.path and _secured(o)), None
        )
        if probe is None:
            raise cloudnx_spec.SpecError(f"service {service!r} has no authenticated GET without path parameters")
        probes.append(_endpoint(probe))
        found = (
            _lifecycle(o, by_id)
            for o in ops
            if o.service == service and o.method == "POST" and "{" not in o.path and _secured(o)
        )
        life = next((life for life in found if life is not None), None)
        if life is not None:
            lifecycles.append(life)
    return LoadContract(
        rate=rate,
        probes=tuple(probes),
        signup=_endpoint(by_id["auth_signup"]),
        login=_endpoint(by_id["auth_login"]),
        access_cookie=str(cloudnx_spec.component("securitySchemes", "cookieAuth")["name"]),
        access_seconds=cloudnx_spec.lifetimes().access_token_seconds,
        lifecycles=tuple(lifecycles),
    )
