"""Operations of the spec as typed values: everything a server, a suite or a load scenario asks about one.

Built once per process by walking ``paths`` in document order; ``$ref`` chains of parameters, request bodies and
responses are followed here so no consumer needs its own deref.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudnx_spec._read import Node
from cloudnx_spec.loading import SpecError, deref, escape
from cloudnx_spec.paths import PathTemplate

__all__ = ["HTTP_METHODS", "Cookie", "IamBinding", "Operation", "Parameter", "Transition", "build_operations"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# draft-ietf-httpapi-idempotency-key-header §2: the key matters on non-idempotent and unsafe methods only.
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path", "query", "header" or "cookie"
    required: bool
    schema: Mapping[str, Any]  # as written (nested $ref kept, for validators that resolve them)
    raw: Mapping[str, Any] = field(repr=False)  # the parameter object, $ref followed
    ref: str | None = None  # the `$ref` the operation used, if any


@dataclass(frozen=True)
class IamBinding:
    """``x-cloudnx-iam``: the action a caller needs and the resource template it is checked against."""

    action: str
    resource: str  # "crn:...:{account_id}:vpc/{vpc_id}": filled from the caller and the path parameters


@dataclass(frozen=True)
class Transition:
    """``x-cloudnx-transition``: the states of ``machine`` an action may start from and where it leads."""

    machine: str
    from_states: tuple[str, ...]
    to: str


@dataclass(frozen=True)
class Cookie:
    """One entry of ``x-cloudnx-cookies`` (RFC 6265 §4.1 attributes the response must set)."""

    name: str
    max_age: int
    http_only: bool
    secure: bool
    same_site: str
    path: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case, e.g. "POST"
    path: str  # e.g. "/compute/instances/{instance_id}"
    service: str  # x-cloudnx-service, falling back to the first path segment
    tags: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False)  # the operation object as written (refs unresolved)
    path_item_parameters: tuple[dict[str, Any], ...] = field(repr=False, default=())
    parameters: tuple[Parameter, ...] = field(repr=False, default=())  # path item's first, then the operation's
    request_body_required: bool = False
    request_schema_raw: Mapping[str, Any] | None = field(repr=False, default=None)  # JSON body schema as written
    request_schema: Mapping[str, Any] | None = field(repr=False, default=None)  # ... with its top $ref followed
    request_example: Any = field(repr=False, default=None)
    responses: Mapping[str, Any] = field(repr=False, default_factory=dict)  # status -> response as written
    statuses: frozenset[int] = frozenset()  # explicit codes only; a "4XX" range is `has_4xx_range`
    has_4xx_range: bool = False
    links: Mapping[str, str] = field(repr=False, default_factory=dict)  # link name -> operationId (2xx responses)
    link_parameters: Mapping[str, Mapping[str, Any]] = field(repr=False, default_factory=dict)  # link -> params
    security: tuple[Mapping[str, Any], ...] = field(repr=False, default=())  # effective requirements
    takes_idempotency_key: bool = False  # declares the Idempotency-Key header parameter
    idempotency_opt_out: bool = False  # `x-cloudnx-idempotency: false`
    list_key: str | None = None
    iam: IamBinding | None = None
    transition: Transition | None = None
    rate_limit_scope: str | None = None  # e.g. "client-address" for the anonymous entry points
    cookies: tuple[Cookie, ...] = field(repr=False, default=())

    @property
    def pointer(self) -> str:
        """JSON pointer of the operation object inside the spec."""
        return "/paths/" + escape(self.path) + "/" + self.method.lower()

    @property
    def template(self) -> PathTemplate:
        return PathTemplate(self.path)

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if p.location == "path")

    @property
    def public(self) -> bool:
        """``security: []``: no credentials needed."""
        return self.security == ()

    @property
    def security_schemes(self) -> frozenset[str]:
        return frozenset(name for requirement in self.security for name in requirement)

    @property
    def idempotent(self) -> bool:
        """A mutating operation that honours an Idempotency-Key (replays, mismatch, in-flight)."""
        return self.takes_idempotency_key and self.method in MUTATING and not self.idempotency_opt_out

    @property
    def success_status(self) -> int:
        codes = [code for code in self.statuses if 200 <= code < 300]
        if not codes:
            raise SpecError(f"spec/openapi.yaml {self.operation_id} documents no 2xx response")
        return min(codes)

    def documents(self, status: int) -> bool:
        """True when the operation documents ``status`` explicitly or through its ``4XX`` range."""
        return status in self.statuses or (self.has_4xx_range and 400 <= status < 500)


def build_operations(spec: Mapping[str, Any], idempotency_header: str) -> tuple[Operation, ...]:
    """Every operation of ``spec`` in document order; raises ``SpecError`` on a malformed extension."""
    global_security = tuple(spec.get("security") or ())
    result = []
    for path, item in (spec.get("paths") or {}).items():
        shared = tuple(item.get("parameters", ()))
        for method in HTTP_METHODS:
            raw = item.get(method)
            if raw is not None:
                result.append(_operation(path, method, raw, shared, global_security, idempotency_header))
    return tuple(result)


def _operation(
    path: str,
    method: str,
    raw: dict[str, Any],
    shared: tuple[dict[str, Any], ...],
    global_security: tuple[Mapping[str, Any], ...],
    idempotency_header: str,
) -> Operation:
    where = "/paths/" + escape(path) + "/" + method
    n = Node(raw, where)
    params = tuple(_parameter(p) for p in (*shared, *raw.get("parameters", ())))
    body = deref(raw.get("requestBody")) or {}
    content = (body.get("content") or {}).get("application/json", {})
    schema_raw = content.get("schema")
    responses: Mapping[str, Any] = raw.get("responses", {})
    links: dict[str, str] = {}
    link_params: dict[str, Mapping[str, Any]] = {}
    for code, response in responses.items():
        if code.startswith("2"):
            for name, link in (deref(response).get("links") or {}).items():
                links[name] = str(link.get("operationId", ""))
                link_params[name] = dict(link.get("parameters") or {})
    opt_out = raw.get("x-cloudnx-idempotency", True)
    if not isinstance(opt_out, bool):
        raise SpecError(f"spec/openapi.yaml {where}/x-cloudnx-idempotency must be true or false")
    return Operation(
        operation_id=n.string("operationId"),
        method=method.upper(),
        path=path,
        service=n.string("x-cloudnx-service", path.strip("/").split("/", 1)[0]),
        tags=tuple(raw.get("tags", ())),
        raw=raw,
        path_item_parameters=shared,
        parameters=params,
        request_body_required=bool(body.get("required")),
        request_schema_raw=schema_raw,
        request_schema=deref(schema_raw) if schema_raw is not None else None,
        request_example=content.get("example"),
        responses=responses,
        statuses=frozenset(int(code) for code in responses if code.isdigit()),
        has_4xx_range="4XX" in responses,
        links=links,
        link_parameters=link_params,
        security=tuple(raw.get("security", global_security)),
        takes_idempotency_key=any(p.location == "header" and p.name == idempotency_header for p in params),
        idempotency_opt_out=opt_out is False,
        list_key=n.string("x-cloudnx-list-key") if n.has("x-cloudnx-list-key") else None,
        iam=_iam(n),
        transition=_transition(n),
        rate_limit_scope=n.string("x-cloudnx-rate-limit-scope") if n.has("x-cloudnx-rate-limit-scope") else None,
        cookies=_cookies(n),
    )


def _parameter(node: Mapping[str, Any]) -> Parameter:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    value = Node(deref(node), str(ref or "parameter"))
    return Parameter(
        name=value.string("name"),
        location=value.string("in"),
        required=value.boolean("required", False),
        schema=value.value.get("schema") or {},
        raw=value.value,
        ref=str(ref) if ref else None,
    )


def _iam(n: Node) -> IamBinding | None:
    if not n.has("x-cloudnx-iam"):
        return None
    iam = n.node("x-cloudnx-iam")
    return IamBinding(action=iam.string("action"), resource=iam.string("resource"))


def _transition(n: Node) -> Transition | None:
    if not n.has("x-cloudnx-transition"):
        return None
    t = n.node("x-cloudnx-transition")
    return Transition(machine=t.string("machine"), from_states=t.strings("from"), to=t.string("to"))


def _cookies(n: Node) -> tuple[Cookie, ...]:
    if not n.has("x-cloudnx-cookies"):
        return ()
    root = n.node("x-cloudnx-cookies")
    cookies = []
    for name in root.value:
        c = root.node(name)
        cookies.append(
            Cookie(
                name,
                c.integer("max_age"),
                c.boolean("http_only"),
                c.boolean("secure"),
                c.string("same_site"),
                c.string("path"),
            )
        )
    return tuple(cookies)
