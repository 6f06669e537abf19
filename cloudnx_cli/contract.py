"""Commands from the contract: each operation of ``spec/openapi.yaml`` becomes ``cloudnx SERVICE COMMAND``.

The command is the operationId with dashes, without the service prefix when the id starts with it
(``auth_signup`` -> ``auth signup``, ``vpcs_create`` -> ``compute vpcs-create``), so names read like the
spec's resources. Path and query parameters become options (``--vpc-id``, ``--limit``); each top-level scalar
field of a JSON request body becomes one too (``--cidr-block``). Everything is read through ``cloudnx_spec``
at run time: the CLI cannot drift from the contract.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cloudnx_spec

__all__ = [
    "CURSOR",
    "NEXT_CURSOR",
    "Command",
    "Option",
    "command_name",
    "commands",
    "find",
    "services",
    "tag_descriptions",
]

#: The seed's list shape: ``{"instances": [ … ], "next_cursor": "…"}``; the spec's Cursor parameter takes it back.
NEXT_CURSOR = "next_cursor"
CURSOR = "cursor"
_LIMIT = "limit"
_SCALARS = ("string", "integer", "number", "boolean")


@dataclass(frozen=True)
class Option:
    """One command-line option: a path/query parameter or a top-level scalar field of the request body."""

    flag: str  # "--vpc-id"
    dest: str  # argparse destination, unique within the command
    name: str  # the name on the wire: "vpc_id"
    location: str  # "path", "query" or "body"
    required: bool
    kind: str  # JSON type: "string", "integer", "number" or "boolean"
    choices: tuple[str, ...] | None
    help: str


@dataclass(frozen=True)
class Command:
    service: str
    name: str
    operation: cloudnx_spec.Operation
    options: tuple[Option, ...]

    @property
    def summary(self) -> str:
        return str(self.operation.raw.get("summary", ""))

    @property
    def description(self) -> str:
        return str(self.operation.raw.get("description", ""))

    @property
    def takes_body(self) -> bool:
        return self.operation.request_schema is not None

    @property
    def list_key(self) -> str | None:
        """The array a list operation answers (``Operation.list_key``), when it pages with a cursor."""
        names = {o.name for o in self.options if o.location == "query"}
        return self.operation.list_key if CURSOR in names else None

    @property
    def page_limit(self) -> Option | None:
        return next((o for o in self.options if o.location == "query" and o.name == _LIMIT), None)

    @property
    def max_page_size(self) -> int | None:
        for parameter in self.operation.parameters:
            if parameter.location == "query" and parameter.name == _LIMIT:
                maximum = _schema(parameter.schema).get("maximum")
                return int(maximum) if isinstance(maximum, int) else None
        return None

    @property
    def safe_to_retry(self) -> bool:
        """Retrying after a lost answer cannot act twice: a safe method (RFC 9110 §9.2.1) or an operation that
        honours the Idempotency-Key the CLI sends (draft-ietf-httpapi-idempotency-key-header §2)."""
        return self.operation.method in ("GET", "HEAD") or self.operation.idempotent


def _schema(node: Mapping[str, Any] | None) -> Mapping[str, Any]:
    value = cloudnx_spec.deref(node) if node is not None else {}
    return value if isinstance(value, Mapping) else {}


def _kind(schema: Mapping[str, Any]) -> str | None:
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    scalar = [t for t in types if t in _SCALARS]
    return scalar[0] if len(scalar) == 1 and set(types) <= {scalar[0], "null"} else None


def _help(raw: Mapping[str, Any], schema: Mapping[str, Any], kind: str, required: bool) -> str:
    text = str(raw.get("description") or schema.get("description") or schema.get("title") or "")
    facts = [kind]
    if "enum" in schema:
        facts.append("one of " + " ".join(str(c) for c in schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        facts.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "default" in schema:
        facts.append(f"default {schema['default']}")
    if required:
        facts.append("required")
    return f"{text} ({', '.join(facts)})".strip().replace("%", "%%")


def _options(op: cloudnx_spec.Operation) -> tuple[Option, ...]:
    found: list[Option] = []
    for parameter in op.parameters:
        if parameter.location not in ("path", "query"):
            continue  # the one header parameter, Idempotency-Key, is the CLI's own business
        schema = _schema(parameter.schema)
        kind = _kind(schema) or "string"
        found.append(
            Option(
                flag="--" + parameter.name.replace("_", "-"),
                dest=f"{parameter.location}_{parameter.name}",
                name=parameter.name,
                location=parameter.location,
                required=parameter.required,
                kind=kind,
                choices=tuple(str(c) for c in schema["enum"]) if "enum" in schema else None,
                help=_help(parameter.raw, schema, kind, parameter.required),
            )
        )
    body = _schema(op.request_schema)
    taken = {o.flag for o in found}
    for field, raw in (body.get("properties") or {}).items():
        schema = _schema(raw)
        field_kind = _kind(schema)
        if field_kind is None:
            continue  # objects and arrays go in --body
        flag = "--" + field.replace("_", "-")
        found.append(
            Option(
                flag=flag if flag not in taken else "--body-" + flag[2:],
                dest=f"body_{field}",
                name=field,
                location="body",
                required=False,  # the body may come whole from --body; the target judges what is missing
                kind=field_kind,
                choices=tuple(str(c) for c in schema["enum"]) if "enum" in schema else None,
                help=_help(
                    raw if isinstance(raw, Mapping) else {}, schema, field_kind, field in body.get("required", ())
                ),
            )
        )
    return tuple(found)


def command_name(op: cloudnx_spec.Operation) -> str:
    prefix = op.service + "_"
    name = op.operation_id
    if name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix) :]
    return name.replace("_", "-")


@functools.cache
def commands() -> Mapping[str, Mapping[str, Command]]:
    """Service -> command name -> command, in the spec's document order."""
    result: dict[str, dict[str, Command]] = {}
    for op in cloudnx_spec.operations():
        name = command_name(op)
        per_service = result.setdefault(op.service, {})
        if name in per_service:
            raise cloudnx_spec.SpecError(
                f"operations {per_service[name].operation.operation_id!r} and {op.operation_id!r} both map to "
                f"the command `cloudnx {op.service} {name}`"
            )
        per_service[name] = Command(op.service, name, op, _options(op))
    return result


def services() -> list[str]:
    return list(commands())


def find(service: str, name: str) -> Command | None:
    """The command ``name`` of ``service``; the full operationId (dashes or underscores) is accepted too."""
    per_service = commands().get(service, {})
    if name in per_service:
        return per_service[name]
    wanted = name.replace("-", "_")
    return next((c for c in per_service.values() if c.operation.operation_id == wanted), None)


def tag_descriptions() -> Mapping[str, str]:
    return {tag.name: tag.description for tag in cloudnx_spec.tags()}
