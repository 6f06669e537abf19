"""spec/openapi.yaml is a valid OpenAPI 3.1 document (openapi-spec-validator)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

import cloudnx_spec

pytestmark = pytest.mark.spec


def test_spec_is_valid_openapi_31() -> None:
    try:
        spec = cloudnx_spec.load()
    except cloudnx_spec.SpecError as exc:
        pytest.fail(str(exc))
    try:
        validate(spec, base_uri=cloudnx_spec.spec_path().as_uri())
    except OpenAPIValidationError as exc:
        pytest.fail(f"{cloudnx_spec.spec_path()}: {exc}")
