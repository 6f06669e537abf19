"""House rules about schemas and examples: bounds everywhere, string ids, an example on every body, all valid.

Per operation (everything it touches, refs followed) and per component schema, so unused components count too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import cloudnx_spec
from cloudnx_spec import Operation

from ._oas import (
    deref,
    escape,
    examples_of,
    iter_schema,
    media_types,
    operation_schemas,
    parameters,
    request_body,
    responses,
    schema_errors,
    types_of,
)

pytestmark = pytest.mark.spec

try:
    SPEC: dict[str, Any] = cloudnx_spec.load()
    OPS: list[Operation] = cloudnx_spec.operations()
except cloudnx_spec.SpecError:  # test_house_rules.py::test_spec_loads reports it
    SPEC, OPS = {}, []

COMPONENT_SCHEMAS: dict[str, Any] = (SPEC.get("components") or {}).get("schemas") or {}


def unbounded(schema: dict[str, Any]) -> list[str]:
    """Bounds OWASP API4 asks for: enum/const bound a value by themselves."""
    if "enum" in schema or "const" in schema:
        return []
    kinds, problems = types_of(schema), []
    if "string" in kinds and "maxLength" not in schema:
        problems.append("string without maxLength")
    if "array" in kinds and "maxItems" not in schema:
        problems.append("array without maxItems")
    if kinds & {"integer", "number"}:
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            problems.append("number without minimum")
        if "maximum" not in schema and "exclusiveMaximum" not in schema:
            problems.append("number without maximum")
    return problems


def id_not_string(name: str, schema: dict[str, Any]) -> bool:
    if name != "id" and not name.endswith("_id"):
        return False
    kinds = types_of(schema)
    return bool(kinds) and ("string" not in kinds or bool(kinds & {"integer", "number"}))


def bound_violations(schemas: Any) -> list[str]:
    return [f"{pointer}: {problem}" for schema, pointer in schemas for problem in unbounded(schema)]


def id_violations(schemas: Any) -> list[str]:
    return [
        f"{pointer}/properties/{escape(name)}"
        for schema, pointer in schemas
        for name, prop in (schema.get("properties") or {}).items()
        if isinstance(prop, dict) and id_not_string(name, prop)
    ]


def op_cases() -> list[Any]:
    return [pytest.param(op, id=op.operation_id) for op in OPS]


@pytest.mark.parametrize("op", op_cases())
def test_bounds_on_every_string_array_integer(op: Operation) -> None:
    problems = bound_violations(operation_schemas(op))
    assert not problems, "unbounded schemas:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", sorted(COMPONENT_SCHEMAS))
def test_component_schema_bounds(name: str) -> None:
    problems = bound_violations(iter_schema(COMPONENT_SCHEMAS[name], f"/components/schemas/{escape(name)}"))
    assert not problems, "unbounded schemas:\n" + "\n".join(problems)


@pytest.mark.parametrize("op", op_cases())
def test_ids_are_strings(op: Operation) -> None:
    wrong = [
        pointer
        for param, pointer in parameters(op)
        if id_not_string(str(param.get("name")), param.get("schema") or {})
    ]
    wrong += id_violations(operation_schemas(op))
    assert not wrong, f"ids are prefixed strings, never numbers: {wrong}"


@pytest.mark.parametrize("name", sorted(COMPONENT_SCHEMAS))
def test_component_ids_are_strings_with_prefix(name: str) -> None:
    schema = COMPONENT_SCHEMAS[name]
    wrong = id_violations(iter_schema(schema, f"/components/schemas/{escape(name)}"))
    assert not wrong, f"ids are prefixed strings, never numbers: {wrong}"
    id_property = (schema.get("properties") or {}).get("id")
    if not isinstance(id_property, dict):
        return
    id_schema = deref(id_property, "")[0]
    # On the resource schema or on the id schema it refers to (e.g. `InstanceId`).
    prefix = cloudnx_spec.id_prefix(schema) or cloudnx_spec.id_prefix(id_schema)
    literal = re.match(r"\^([A-Za-z]+-?)", str(id_schema.get("pattern", "")))
    if literal:
        assert prefix == literal.group(1), f"id pattern starts with {literal.group(1)!r}: declare x-cloudnx-id-prefix"
    if prefix:
        examples = [*id_schema.get("examples", ()), *([id_schema["example"]] if "example" in id_schema else [])]
        wrong = [e for e in examples if not str(e).startswith(prefix)]
        assert not wrong, f"id examples {wrong} lack the prefix {prefix!r}"


def bodies(op: Operation) -> list[tuple[str, dict[str, Any], str]]:
    """(label, media type object, pointer) of the request body and of every response with content."""
    found = []
    body = request_body(op)
    if body is not None:
        found += [(f"request {name}", media, pointer) for name, media, pointer in media_types(*body)]
    for code, (response, pointer) in responses(op).items():
        found += [(f"{code} {name}", media, ptr) for name, media, ptr in media_types(response, pointer)]
    return found


@pytest.mark.parametrize("op", op_cases())
def test_every_body_has_an_example(op: Operation) -> None:
    missing = [
        f"{label} ({pointer})" for label, media, pointer in bodies(op) if not list(examples_of(media, pointer))
    ]
    assert not missing, f"no example for: {missing}"


@pytest.mark.parametrize("op", op_cases())
def test_examples_validate_against_their_schemas(op: Operation) -> None:
    problems = []
    holders = [(media, pointer) for _, media, pointer in bodies(op)]
    holders += [(param, pointer) for param, pointer in parameters(op)]
    for holder, pointer in holders:
        if "schema" not in holder:
            continue
        for value, example_pointer in examples_of(holder, pointer):
            problems += [f"{example_pointer}: {error}" for error in schema_errors(value, f"{pointer}/schema")]
    assert not problems, "examples that do not match their schema (Draft 2020-12):\n" + "\n".join(problems)
