"""Stateful links never draw a null: an unassociated EIP's ``instance_id`` is no instance id to call with."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.core.result import Ok
from schemathesis.core.transforms import UNRESOLVABLE
from schemathesis.core.transport import Response
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi.expressions import MultiMatch

import cloudnx_spec
from conformance.properties.links import drop_null_matches, without_nulls

pytestmark = pytest.mark.suite

_INSTANCE = "i-0123456789abcdef"


def _eips_to_instance(machine: Any) -> Any:
    links = machine._transitions.operations["GET /compute/eips"].outgoing
    return next(link for link in links if link.target.label == "GET /compute/instances/{instance_id}")


def _extracted(schema: Any, machine: Any, instance_ids: list[str | None]) -> Any:
    case = schema.find_operation_by_id("eips_list").Case()
    body = {"eips": [{"instance_id": i} for i in instance_ids], "next_cursor": None}
    response = Response(
        status_code=200,
        headers={"content-type": ["application/json"]},
        content=json.dumps(body).encode(),
        request=requests.Request("GET", "http://127.0.0.1/compute/eips").prepare(),
        elapsed=0.01,
        verify=True,
    )
    param = _eips_to_instance(machine).extract(StepOutput(response, case)).parameters["path_parameters"]
    value = param["instance_id"].value
    assert isinstance(value, Ok)
    return value.ok()


@pytest.fixture(scope="module")
def schema() -> Any:
    return schemathesis.openapi.from_path(str(cloudnx_spec.spec_path()))


def test_schemathesis_alone_offers_the_null_of_an_unassociated_eip(schema: Any) -> None:
    value = _extracted(schema, schema.as_state_machine(), [None, _INSTANCE, None])
    assert isinstance(value, MultiMatch)
    assert None in value.values


def test_a_followed_link_carries_only_the_ids_the_response_gave(schema: Any) -> None:
    machine = drop_null_matches(schema.as_state_machine())
    assert _extracted(schema, machine, [None, _INSTANCE, None]) == _INSTANCE
    assert _extracted(schema, machine, [None, None]) is UNRESOLVABLE
    both = _extracted(schema, machine, [_INSTANCE, None, "i-fedcba9876543210"])
    assert isinstance(both, MultiMatch)
    assert both.values == [_INSTANCE, "i-fedcba9876543210"]


def test_without_nulls_reaches_into_link_bodies() -> None:
    nested = without_nulls({"vpc_id": MultiMatch([None, "vpc-1"]), "name": "x", "ids": MultiMatch([None])})
    assert nested == {"vpc_id": "vpc-1", "name": "x", "ids": UNRESOLVABLE}


def test_the_property_session_keeps_no_cookie_from_a_response() -> None:
    """A case sends only the cookies it was generated with, even when the target's cookies are not Secure."""
    import http.client
    from typing import cast

    from requests.cookies import extract_cookies_to_jar

    from conformance.properties.transport import PacedSession

    class _Original:
        msg = http.client.HTTPMessage()

    class _Raw:
        _original_response = _Original()

    _Original.msg["Set-Cookie"] = "cnx_refresh=opaque; Path=/auth; HttpOnly"  # no Secure: sent over http
    request = requests.Request("POST", "http://127.0.0.1:8000/auth/login").prepare()
    plain = requests.Session()
    extract_cookies_to_jar(plain.cookies, request, _Raw())
    assert len(plain.cookies) == 1  # what a plain requests session would replay into later cases
    session = PacedSession(cast(Any, None), lambda token: None, cast(Any, None))
    extract_cookies_to_jar(session.cookies, request, _Raw())
    assert len(session.cookies) == 0
