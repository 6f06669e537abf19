"""Debug-mode response validation: every answer the server sends is checked against the spec, so a drift
between the handlers and the contract fails loudly (500 + a log line) instead of passing silently.
"""

from __future__ import annotations

import json
import logging

import jsonschema_rs

from cloudnx_spec import deref
from reference_server.platform.responses import encode_json
from reference_server.platform.routing import RouteEntry
from reference_server.platform.validation import compile_schema, first_error

__all__ = ["ResponseChecker"]

log = logging.getLogger("reference_server")


class ResponseChecker:
    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str], jsonschema_rs.Validator | None] = {}

    def _validator(self, entry: RouteEntry, status: int) -> tuple[str | None, jsonschema_rs.Validator | None]:
        code = str(status)
        documented = (
            code if code in entry.responses else f"{code[0]}XX" if f"{code[0]}XX" in entry.responses else None
        )
        if documented is None:
            return None, None
        key = (entry.operation_id, documented)
        if key not in self._compiled:
            response = deref(entry.responses[documented])
            schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
            self._compiled[key] = compile_schema(schema) if schema is not None else None
        return documented, self._compiled[key]

    def check(self, entry: RouteEntry, status: int, payload: bytes) -> tuple[int, bytes]:
        documented, validator = self._validator(entry, status)
        problem: str | None = None
        if documented is None:
            problem = f"status {status} is not documented for {entry.operation_id}"
        elif validator is not None:
            try:
                problem = first_error(validator, json.loads(payload), "response")
            except ValueError:
                problem = "response body is not JSON"
        if problem is None:
            return status, payload
        log.error("response drift in %s (status %s): %s", entry.operation_id, status, problem)
        return 500, encode_json({"error": f"response failed contract validation: {problem}"})
