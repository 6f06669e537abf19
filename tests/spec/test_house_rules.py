"""House rules of the contract, checked on every operation (docs/architecture.md "Spec conventions").

One parametrized test per rule; each case is one operation, so a failure reads `test_<rule>[<operationId>]`.
Document-wide rules (root extensions, security schemes, components) are at the end, and the schema-bound rules
are in test_house_rules_schemas.py.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

import cloudnx_spec
from cloudnx_spec import Operation

from ._oas import ERROR_REF, IDEMPOTENCY_REF, deref, headers, media_types, parameters, raw_parameter_refs, responses

pytestmark = pytest.mark.spec

try:
    SPEC: dict[str, Any] = cloudnx_spec.load()
    OPS: list[Operation] = cloudnx_spec.operations()
    LOAD_ERROR: str | None = None
except cloudnx_spec.SpecError as exc:
    SPEC, OPS, LOAD_ERROR = {}, [], str(exc)

SERVICES = ("auth", "compute", "storage")
MUTATING = ("POST", "PUT", "PATCH", "DELETE")
# Brief §3: the only operations without credentials. (method, path regex)
PUBLIC = {
    "signup": ("POST", r"/signup$"),
    "login": ("POST", r"/login$"),
    "exchange-credentials": ("POST", r"/exchange-credentials$"),
    "jwks": ("GET", r"jwks"),
}
# Replaying these would hand out credentials again: no Idempotency-Key, `Operation.idempotency_opt_out`.
CREDENTIAL_SEGMENTS = ("login", "refresh", "logout", "exchange-credentials")
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
STATUS_KEY = re.compile(r"^[1-5](?:[0-9]{2}|XX)$")


def effective_security(op: Operation) -> list[Any]:
    return list(op.raw.get("security", SPEC.get("security") or []))


def is_public(op: Operation) -> bool:
    return effective_security(op) == []


def is_credential_op(op: Operation) -> bool:
    return op.method == "POST" and op.path.rstrip("/").rsplit("/", 1)[-1] in CREDENTIAL_SEGMENTS


def is_list_op(op: Operation) -> bool:
    if op.list_key is not None:
        return True
    names = {param.get("name") for param, _ in parameters(op)}
    return op.method == "GET" and "cursor" in names


def path_params(op: Operation) -> set[str]:
    return set(re.findall(r"{([^}]+)}", op.path))


def cases(predicate: Any = None) -> list[Any]:
    return [
        pytest.param(op, id=op.operation_id or f"{op.method} {op.path}")
        for op in OPS
        if not predicate or predicate(op)
    ]


def test_spec_loads() -> None:
    assert LOAD_ERROR is None, LOAD_ERROR
    assert OPS, "spec/openapi.yaml declares no operations"


# --- status codes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", cases())
def test_explicit_codes_plus_4xx_and_500_never_default(op: Operation) -> None:
    codes = set(responses(op))
    assert "default" not in codes, "`default` turns off status-code checking (house rule); list the codes"
    assert {"4XX", "500"} <= codes, f"needs '4XX' and '500' besides its explicit codes; has {sorted(codes)}"
    assert any(code.startswith("2") and code[1:].isdigit() for code in codes), "no explicit 2xx code"
    assert all(STATUS_KEY.match(code) for code in codes), f"malformed status keys: {sorted(codes)}"


@pytest.mark.parametrize("op", cases())
def test_errors_use_error_schema(op: Operation) -> None:
    wrong = []
    for code, (response, pointer) in responses(op).items():
        if code[0] not in "45":
            continue
        content = response.get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if set(content) != {"application/json"} or schema != {"$ref": ERROR_REF}:
            wrong.append(f"{code} ({pointer})")
    assert not wrong, f"4xx/5xx must be application/json with schema $ref {ERROR_REF}: {wrong}"


@pytest.mark.parametrize("op", cases())
def test_429_with_required_integer_retry_after(op: Operation) -> None:
    assert "429" in responses(op), "429 documented on every operation (30 req/s per user)"
    response, pointer = responses(op)["429"]
    retry_after = headers(response, pointer).get("retry-after")
    assert retry_after, f"{pointer}: no Retry-After header"
    header, header_pointer = retry_after
    assert header.get("required") is True, f"{header_pointer}: Retry-After must be required: true"
    schema, _ = deref(header.get("schema") or {}, f"{header_pointer}/schema")
    assert schema.get("type") == "integer", f"{header_pointer}: Retry-After is an integer number of seconds"


@pytest.mark.parametrize("op", cases(lambda op: not is_public(op)))
def test_secured_ops_document_401_and_403(op: Operation) -> None:
    missing = {"401", "403"} - set(responses(op))
    assert not missing, f"secured operation lacks {sorted(missing)} (401 bad credentials, 403 IAM denies)"


@pytest.mark.parametrize("op", cases(lambda op: bool(path_params(op))))
def test_404_on_paths_with_ids(op: Operation) -> None:
    assert "404" in responses(op), f"path has {sorted(path_params(op))} but no 404"
    response, pointer = responses(op)["404"]
    assert "another account" in str(response.get("description", "")).lower(), (
        f"{pointer}: describe 404 as 'not found or owned by another account' (seed: indistinguishable)"
    )


@pytest.mark.parametrize("op", cases())
def test_json_only(op: Operation) -> None:
    body = op.raw.get("requestBody")
    containers = [deref(body, op.pointer + "/requestBody")] if body else []
    containers += responses(op).values()
    others = [
        f"{pointer}: {name}" for c in containers for name, _, pointer in media_types(*c) if name != "application/json"
    ]
    assert not others, f"every route speaks JSON (seed); found {others}"


RATE_LIMIT_HEADERS = sorted(
    {
        name
        for op in OPS
        for r, p in responses(op).values()
        for name in headers(r, p)
        if "ratelimit" in name.replace("-", "")
    }
)


def test_one_rate_limit_header_family() -> None:
    families = {"X-RateLimit-*" if name.startswith("x-") else "RateLimit-*" for name in RATE_LIMIT_HEADERS}
    assert len(families) <= 1, f"pick one rate-limit header family (house rule); found {RATE_LIMIT_HEADERS}"


@pytest.mark.parametrize("op", cases(lambda op: bool(RATE_LIMIT_HEADERS)))
def test_rate_limit_headers_on_every_response(op: Operation) -> None:
    missing = {
        code: sorted(set(RATE_LIMIT_HEADERS) - set(headers(response, pointer)))
        for code, (response, pointer) in responses(op).items()
        if set(RATE_LIMIT_HEADERS) - set(headers(response, pointer))
    }
    assert not missing, f"rate-limit headers go on every response once used (house rule); missing: {missing}"


# --- security ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", cases(is_public))
def test_security_empty_only_on_public_ops(op: Operation) -> None:
    allowed = [name for name, (method, rx) in PUBLIC.items() if op.method == method and re.search(rx, op.path)]
    assert allowed, f"`security: []` is reserved for {sorted(PUBLIC)} (house rule)"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_op_exists_and_is_public(name: str) -> None:
    method, rx = PUBLIC[name]
    matches = [op for op in OPS if op.method == method and re.search(rx, op.path)]
    assert len(matches) == 1, f"expected one {method} operation matching {rx!r}, found {[m.path for m in matches]}"
    assert is_public(matches[0]), f"{matches[0].operation_id} must be `security: []`"


@pytest.mark.parametrize("op", cases(lambda op: not is_public(op)))
def test_iam_action_and_resource_on_secured_ops(op: Operation) -> None:
    assert op.iam is not None, "secured operation without an IAM binding (Operation.iam: action, resource)"
    pascal = "".join(word.capitalize() for word in op.operation_id.split("_"))
    names = {f"{op.service}:{op.operation_id}", f"{op.service}:{pascal}"}
    assert op.iam.action in names, f"action {op.iam.action!r} should name this operation: one of {names}"
    resource = op.iam.resource
    assert re.fullmatch(rf"crn:cloudnx:{op.service}:in-mum:\{{account_id\}}:[a-z][a-z0-9_-]*/.+", resource), resource
    unknown = set(re.findall(r"{([^}]+)}", resource)) - path_params(op) - {"account_id"}
    assert not unknown, f"resource placeholders {sorted(unknown)} are neither path parameters nor account_id"


@pytest.mark.parametrize("op", cases())
def test_security_requirements_name_declared_schemes(op: Operation) -> None:
    declared = set((SPEC.get("components") or {}).get("securitySchemes") or {})
    used = {name for requirement in effective_security(op) for name in requirement}
    assert used <= declared, f"undeclared security schemes {sorted(used - declared)}"


# --- idempotency -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", cases(lambda op: op.method in MUTATING))
def test_idempotency_key_on_mutations(op: Operation) -> None:
    has_key = IDEMPOTENCY_REF in raw_parameter_refs(op)
    if op.idempotency_opt_out:
        # Besides the credential operations, a POST that changes nothing (e.g. presigning a URL) may opt out.
        assert not has_key, "opted out of idempotency (Operation.idempotency_opt_out) but still takes Idempotency-Key"
        return
    assert has_key, f"mutation without parameter $ref {IDEMPOTENCY_REF} (or an idempotency opt-out)"
    missing = {"409", "422"} - set(responses(op))
    assert not missing, f"Idempotency-Key implies 409 (in flight) and 422 (key reused, other body): lacks {missing}"


@pytest.mark.parametrize("op", cases(is_credential_op))
def test_credential_ops_opt_out_of_idempotency(op: Operation) -> None:
    assert op.idempotency_opt_out, "a replay would hand out credentials again (house rule)"


@pytest.mark.parametrize("op", cases(lambda op: op.method not in MUTATING))
def test_no_idempotency_key_on_reads(op: Operation) -> None:
    assert IDEMPOTENCY_REF not in raw_parameter_refs(op)


# --- lists -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", cases(is_list_op))
def test_list_envelope_and_pagination(op: Operation) -> None:
    key = op.list_key
    assert key is not None, "list operation without a list key (Operation.list_key: <plural>)"
    assert op.method == "GET", "lists are GET"
    response, pointer = responses(op).get("200", ({}, op.pointer))
    schema, schema_pointer = deref(
        ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}, pointer
    )
    assert set(schema.get("required") or ()) >= {key, "next_cursor"}, (
        f"{schema_pointer}: {key} and next_cursor required"
    )
    props = schema.get("properties") or {}
    items, _ = deref(props.get(key) or {}, schema_pointer)
    assert items.get("type") == "array", f"{schema_pointer}/properties/{key} must be an array"
    cursor, _ = deref(props.get("next_cursor") or {}, schema_pointer)
    variants = {str(t) for t in (cursor.get("type") or [])} if isinstance(cursor.get("type"), list) else set()
    variants |= {str(deref(s, "")[0].get("type")) for s in (cursor.get("anyOf") or cursor.get("oneOf") or [])}
    assert variants == {"string", "null"}, f"{schema_pointer}/properties/next_cursor must be string|null"
    params = {p.get("name"): p for p, _ in parameters(op) if p.get("in") == "query"}
    assert "cursor" in params, "query parameter `cursor`"
    assert not params["cursor"].get("required"), "`cursor` is optional"
    assert (deref(params["cursor"].get("schema") or {}, "")[0]).get("type") == "string", "cursor is opaque string"
    assert "limit" in params, "query parameter `limit`"
    assert not params["limit"].get("required"), "`limit` is optional"
    limit, _ = deref(params["limit"].get("schema") or {}, "")
    bounds = (limit.get("type"), limit.get("minimum"), limit.get("maximum"), limit.get("default"))
    assert bounds == ("integer", 1, 100, 20), f"limit must be integer 1..100, default 20; got {bounds}"


def _collection_gets(op: Operation) -> bool:
    if op.method != "GET" or op.path.endswith("}"):
        return False
    return any(re.fullmatch(re.escape(op.path) + r"/{[^}/]+}", other) for other in SPEC.get("paths") or {})


@pytest.mark.parametrize("op", cases(_collection_gets))
def test_collections_are_paginated_lists(op: Operation) -> None:
    assert is_list_op(op), "GET on a collection (it has an /{id} child) must be a paginated list"


# --- creates and links -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", cases(lambda op: "201" in responses(op)))
def test_creates_link_to_get_and_delete(op: Operation) -> None:
    response, pointer = responses(op)["201"]
    links = {name: deref(link, f"{pointer}/links/{name}")[0] for name, link in (response.get("links") or {}).items()}
    assert links, f"{pointer}: a create carries links to its get/delete (stateful testing)"
    by_id = {o.operation_id: o for o in OPS}
    targets = []
    for name, link in links.items():
        target = by_id.get(link.get("operationId", ""))
        assert target, f"link {name}: operationId {link.get('operationId')!r} is not in the spec"
        missing = path_params(target) - set(link.get("parameters") or {})
        assert not missing, f"link {name} does not supply {sorted(missing)} for {target.operation_id}"
        targets.append(target)
    # The created resource lives at <create path>/{id}: its own get and delete must be reachable from the create.
    child = [
        o for o in OPS if re.fullmatch(re.escape(op.path) + r"/{[^}/]+}", o.path) and o.method in ("GET", "DELETE")
    ]
    unlinked = sorted(o.operation_id for o in child if o not in targets)
    assert not unlinked, f"the created resource's {unlinked} are not linked"
    assert any(t.method == "GET" for t in targets), "no link to a GET operation"


# --- naming and tagging ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", cases())
def test_operation_id_snake_case(op: Operation) -> None:
    assert OPERATION_ID.match(op.operation_id), f"operationId {op.operation_id!r} is not <resource>_<verb> snake_case"


def test_operation_ids_unique() -> None:
    duplicates = [oid for oid, n in Counter(op.operation_id for op in OPS).items() if n > 1]
    assert not duplicates, f"duplicate operationIds: {duplicates}"


@pytest.mark.parametrize("op", cases())
def test_service_matches_first_path_segment(op: Operation) -> None:
    first = op.path.strip("/").split("/", 1)[0]
    assert op.raw.get("x-cloudnx-service") == first, f"x-cloudnx-service must be {first!r}"
    assert first in SERVICES, f"paths start with one of {SERVICES}"


@pytest.mark.parametrize("op", cases())
def test_one_declared_tag_summary_and_description(op: Operation) -> None:
    declared = {tag.get("name") for tag in SPEC.get("tags") or ()}
    assert len(op.tags) == 1, f"exactly one tag; got {op.tags}"
    assert op.tags[0] in declared, f"tag {op.tags[0]!r} is not declared in the root `tags`"
    groups = [g for g in SPEC.get("x-tagGroups") or () if op.tags[0] in (g.get("tags") or ())]
    assert len(groups) == 1, f"tag {op.tags[0]!r} is in {len(groups)} x-tagGroups, not exactly one"
    assert op.service in str(groups[0].get("name")).lower(), "tag belongs to its service's x-tagGroup"
    assert str(op.raw.get("summary", "")).strip(), "no summary"
    assert str(op.raw.get("description", "")).strip(), "no description"


# --- document ----------------------------------------------------------------------------------------------------

ROOT_EXTENSIONS = (
    "x-cloudnx-lifetimes",
    "x-cloudnx-rate-limit",
    "x-cloudnx-idempotency",
    "x-cloudnx-state-machines",
    "x-cloudnx-s3-data-plane",
    "x-cloudnx-limits",
)
INFO_TOPICS = {
    "authentication": r"authenticat",
    "idempotency": r"idempoten",
    "rate limiting": r"rate.?limit",
    "pagination": r"paginat|cursor",
    "S3 data plane": r"\bS3\b",
}


@pytest.mark.parametrize("name", ROOT_EXTENSIONS)
def test_root_extension_present(name: str) -> None:
    assert SPEC.get(name), f"root extension {name} missing or empty"


@pytest.mark.parametrize("topic", sorted(INFO_TOPICS))
def test_info_description_explains(topic: str) -> None:
    text = str((SPEC.get("info") or {}).get("description", ""))
    assert re.search(INFO_TOPICS[topic], text, re.IGNORECASE), f"info.description does not explain {topic}"


def test_openapi_31_one_public_server() -> None:
    assert str(SPEC.get("openapi", "")).startswith("3.1"), "OpenAPI 3.1"
    servers = SPEC.get("servers") or []
    assert [s.get("url", "").rstrip("/") for s in servers] == ["https://cloudnx.in"], f"servers: {servers}"


def test_error_schema() -> None:
    error = ((SPEC.get("components") or {}).get("schemas") or {}).get("Error") or {}
    assert error.get("type") == "object", error
    assert error.get("required") == ["error"], error
    assert ((error.get("properties") or {}).get("error") or {}).get("type") == "string", error


def test_idempotency_key_parameter() -> None:
    param, pointer = deref({"$ref": IDEMPOTENCY_REF}, IDEMPOTENCY_REF)
    schema, _ = deref(param.get("schema") or {}, pointer)
    got = (param.get("name"), param.get("in"), bool(param.get("required")), schema.get("type"))
    assert got == ("Idempotency-Key", "header", False, "string"), got
    assert (schema.get("minLength"), schema.get("maxLength")) == (1, 255), "Idempotency-Key is 1..255 characters"


@pytest.mark.parametrize("kind", ["cookie cnx_access", "bearer JWT (RFC 8725)", "SigV4"])
def test_security_scheme(kind: str) -> None:
    schemes = list(((SPEC.get("components") or {}).get("securitySchemes") or {}).values())
    wanted = {
        "cookie cnx_access": lambda s: (
            (s.get("type"), s.get("in"), s.get("name")) == ("apiKey", "cookie", "cnx_access")
        ),
        "bearer JWT (RFC 8725)": lambda s: (
            s.get("type") == "http"
            and str(s.get("scheme")).lower() == "bearer"
            and s.get("bearerFormat") == "JWT"
            and "RFC8725" in str(s.get("description", "")).replace(" ", "")
        ),
        "SigV4": lambda s: (
            (s.get("type"), s.get("in"), s.get("name")) == ("apiKey", "header", "Authorization")
            and s.get("x-cloudnx-auth-scheme") == "aws-sigv4"
        ),
    }[kind]
    assert any(wanted(s) for s in schemes), f"no {kind} security scheme"
