"""The CloudNx contract as one typed model: every package of the kit reads ``spec/openapi.yaml`` through here.

``load()`` is the parsed document; ``operations()``/``operation()``/``match()`` are its operations as
:class:`Operation` values; ``rate_limit()``, ``lifetimes()``, ``idempotency()``, ``limits()``,
``state_machines()``, ``iam_scheme()``, ``s3_data_plane()``, ``jwt()`` and ``sigv4()`` are its ``x-cloudnx-*``
extensions as frozen dataclasses. The first call of any of these validates the whole contract and raises
``SpecError`` naming the field at fault. No module outside this package parses an ``x-cloudnx-*`` key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudnx_spec.extensions import Idempotency, Lifetimes, Limits, RateLimit, StateMachine
from cloudnx_spec.headers import ResponseHeader, response_headers
from cloudnx_spec.levels import Levels, levels
from cloudnx_spec.loading import SpecError, deref, digest, load, resolve, spec_path, use_parse_cache
from cloudnx_spec.model import HTTP_METHODS, Cookie, IamBinding, Operation, Parameter, Transition, build_operations
from cloudnx_spec.paths import PathMatcher, PathTemplate
from cloudnx_spec.security import IamScheme, Jwt, S3DataPlane, SigV4

__all__ = [
    "HTTP_METHODS",
    "Cookie",
    "IamBinding",
    "IamScheme",
    "Idempotency",
    "Jwt",
    "Levels",
    "Lifetimes",
    "Limits",
    "Operation",
    "Parameter",
    "PathMatcher",
    "PathTemplate",
    "RateLimit",
    "ResponseHeader",
    "S3DataPlane",
    "SigV4",
    "SpecError",
    "StateMachine",
    "Tag",
    "Transition",
    "component",
    "deref",
    "digest",
    "extension",
    "iam_scheme",
    "id_prefix",
    "id_prefixes",
    "idempotency",
    "jwt",
    "levels",
    "lifetimes",
    "limits",
    "load",
    "match",
    "matcher",
    "operation",
    "operations",
    "rate_limit",
    "resolve",
    "response_headers",
    "s3_data_plane",
    "sigv4",
    "spec_path",
    "state_machines",
    "tags",
    "use_parse_cache",
    "validate",
]


@dataclass(frozen=True)
class _Model:
    operations: tuple[Operation, ...]
    by_id: Mapping[str, Operation]
    matcher: PathMatcher[Operation]
    rate_limit: RateLimit
    lifetimes: Lifetimes
    idempotency: Idempotency
    limits: Limits
    state_machines: Mapping[str, StateMachine]
    iam_scheme: IamScheme
    s3_data_plane: S3DataPlane
    jwt: Jwt
    sigv4: SigV4


@functools.cache
def _model() -> _Model:
    spec = load()
    idem = Idempotency.from_spec(spec)
    ops = build_operations(spec, idem.header)
    by_id: dict[str, Operation] = {}
    for op in ops:
        if op.operation_id in by_id:
            raise SpecError(f"spec/openapi.yaml: operationId {op.operation_id!r} is used twice")
        by_id[op.operation_id] = op
    return _Model(
        operations=ops,
        by_id=by_id,
        matcher=PathMatcher((op.method, op.path, op) for op in ops),
        rate_limit=RateLimit.from_spec(spec),
        lifetimes=Lifetimes.from_spec(spec),
        idempotency=idem,
        limits=Limits.from_spec(spec),
        state_machines=StateMachine.all_from_spec(spec),
        iam_scheme=IamScheme.from_spec(spec),
        s3_data_plane=S3DataPlane.from_spec(spec),
        jwt=Jwt.from_spec(spec),
        sigv4=SigV4.from_spec(spec),
    )


def validate() -> None:
    """Build the whole model now (a server calls this at start): ``SpecError`` names what is malformed."""
    _model()


def operations() -> list[Operation]:
    """Every operation of the spec, in document order."""
    return list(_model().operations)


def operation(operation_id: str) -> Operation:
    try:
        return _model().by_id[operation_id]
    except KeyError:
        raise KeyError(f"spec/openapi.yaml has no operationId {operation_id!r}") from None


def matcher() -> PathMatcher[Operation]:
    """Request path -> operations by method (``lookup``), for routers that tell 404 from 405."""
    return _model().matcher


def match(method: str, path: str, *, base_path_allowed: bool = False) -> Operation | None:
    """The operation ``method path`` addresses; ``base_path_allowed`` lets a target's base path precede it."""
    return _model().matcher.match(method, path, base_path_allowed=base_path_allowed)


def rate_limit() -> RateLimit:
    return _model().rate_limit


def lifetimes() -> Lifetimes:
    return _model().lifetimes


def idempotency() -> Idempotency:
    return _model().idempotency


def limits() -> Limits:
    return _model().limits


def state_machines() -> Mapping[str, StateMachine]:
    return _model().state_machines


def iam_scheme() -> IamScheme:
    return _model().iam_scheme


def s3_data_plane() -> S3DataPlane:
    return _model().s3_data_plane


def jwt() -> Jwt:
    return _model().jwt


def sigv4() -> SigV4:
    return _model().sigv4


def component(kind: str, name: str) -> Mapping[str, Any]:
    """``components/<kind>/<name>`` with its ``$ref`` chain followed, e.g. ``component("headers", "Retry-After")``."""
    try:
        value = deref(load()["components"][kind][name])
    except KeyError:
        raise SpecError(f"spec/openapi.yaml has no components/{kind}/{name}") from None
    if not isinstance(value, Mapping):
        raise SpecError(f"spec/openapi.yaml components/{kind}/{name} is not a mapping")
    return value


def extension(name: str) -> Mapping[str, Any]:
    """A root extension as written, by short name (``extension("rate-limit")``), once the model validated it.

    For callers that pass the mapping on unread (reports, docs); a reader of a field wants the typed accessor.
    """
    validate()
    value = load().get(f"x-cloudnx-{name.removeprefix('x-cloudnx-')}")
    if not isinstance(value, Mapping):
        raise KeyError(f"spec/openapi.yaml has no root extension x-cloudnx-{name}")
    return value


@functools.cache
def id_prefixes() -> Mapping[str, str]:
    """Schema name -> id prefix (``x-cloudnx-id-prefix``), e.g. ``VpcId`` -> ``vpc-``."""
    schemas = (load().get("components") or {}).get("schemas") or {}
    return {name: str(s["x-cloudnx-id-prefix"]) for name, s in schemas.items() if "x-cloudnx-id-prefix" in s}


def id_prefix(schema: Mapping[str, Any]) -> str:
    """The id prefix a schema declares (``x-cloudnx-id-prefix``), or "" when it declares none."""
    return str(schema.get("x-cloudnx-id-prefix", ""))


@dataclass(frozen=True)
class Tag:
    """One entry of the spec's ``tags``: a resource group (operations name it in ``tags``) and what it holds."""

    name: str
    description: str


@functools.cache
def tags() -> tuple[Tag, ...]:
    """The spec's tags in document order, e.g. for a CLI's help that groups commands by resource."""
    return tuple(Tag(str(t["name"]), str(t.get("description", ""))) for t in load().get("tags") or ())
