"""The typed contract model (``cloudnx_spec``): operations, path matching, extensions and their validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import cloudnx_spec
from cloudnx_spec.extensions import Lifetimes, Limits, RateLimit, StateMachine
from cloudnx_spec.model import build_operations
from cloudnx_spec.security import S3DataPlane, SigV4

pytestmark = pytest.mark.spec


def _spec() -> dict[str, Any]:
    return copy.deepcopy(cloudnx_spec.load())


def test_every_operation_is_typed_and_addressable() -> None:
    ops = cloudnx_spec.operations()
    assert ops, "the spec has operations"
    for op in ops:
        assert cloudnx_spec.operation(op.operation_id) is op
        concrete = op.template.fill(**dict.fromkeys(op.path_params, "x-1"))
        assert cloudnx_spec.match(op.method, concrete) is op, op.operation_id
        assert cloudnx_spec.match(op.method, "/base" + concrete, base_path_allowed=True) is op
        assert cloudnx_spec.match(op.method, "/base" + concrete) is None
        assert 200 <= op.success_status < 300


def test_unknown_operation_and_path() -> None:
    with pytest.raises(KeyError, match="no operationId"):
        cloudnx_spec.operation("no_such_operation")
    assert cloudnx_spec.match("GET", "/no/such/path") is None
    assert cloudnx_spec.matcher().lookup("/no/such/path") is None


def test_lookup_reports_every_method_of_a_path() -> None:
    op = next(o for o in cloudnx_spec.operations() if o.path_params)
    found = cloudnx_spec.matcher().lookup(op.template.fill(**dict.fromkeys(op.path_params, "abc")))
    assert found is not None
    methods, params = found
    assert methods[op.method] is op
    assert params == dict.fromkeys(op.path_params, "abc")


def test_fill_percent_encodes_and_names_missing_parameters() -> None:
    template = cloudnx_spec.PathTemplate("/a/{x}/b")
    assert template.fill(x="p/q r") == "/a/p%2Fq%20r/b"
    with pytest.raises(KeyError, match="needs path parameters"):
        template.fill()


def test_idempotency_follows_the_header_and_the_opt_out() -> None:
    header = cloudnx_spec.idempotency().header
    for op in cloudnx_spec.operations():
        declared = any(p.location == "header" and p.name == header for p in op.parameters)
        assert op.takes_idempotency_key == declared
        if op.idempotency_opt_out or op.method in ("GET", "HEAD"):
            assert not op.idempotent, op.operation_id


def test_extensions_read_the_spec_values() -> None:
    spec = cloudnx_spec.load()
    assert cloudnx_spec.rate_limit().requests_per_second == spec["x-cloudnx-rate-limit"]["requests_per_second"]
    assert cloudnx_spec.lifetimes().presign_max_seconds == spec["x-cloudnx-lifetimes"]["presign_max_seconds"]
    assert cloudnx_spec.limits()["keys_per_bucket"] == spec["x-cloudnx-limits"]["keys_per_bucket"]
    assert cloudnx_spec.s3_data_plane().path_prefix_on_api_host.startswith("/")
    assert cloudnx_spec.sigv4().scheme_name in spec["components"]["securitySchemes"]
    assert "instance" in cloudnx_spec.state_machines()
    assert cloudnx_spec.id_prefixes(), "schemas declare id prefixes"
    transitions = [op.transition for op in cloudnx_spec.operations() if op.transition]
    assert transitions
    assert all(t.machine in cloudnx_spec.state_machines() for t in transitions)


@pytest.mark.parametrize(
    ("reader", "mutate", "message"),
    [
        (RateLimit.from_spec, lambda s: s.pop("x-cloudnx-rate-limit"), "x-cloudnx-rate-limit must be a mapping"),
        (
            RateLimit.from_spec,
            lambda s: s["x-cloudnx-rate-limit"].update(requests_per_second="thirty"),
            "requests_per_second must be an integer",
        ),
        (Lifetimes.from_spec, lambda s: s["x-cloudnx-lifetimes"].pop("access_token_seconds"), "access_token_seconds"),
        (
            Lifetimes.from_spec,
            lambda s: s["x-cloudnx-lifetimes"].update(presign_min_seconds=0),
            "presign_min_seconds must be positive",
        ),
        (Limits.from_spec, lambda s: s["x-cloudnx-limits"].update(keys_per_bucket=True), "must be an integer"),
        (
            StateMachine.all_from_spec,
            lambda s: s["x-cloudnx-state-machines"]["volume"].pop("transitions"),
            "transitions must be a list",
        ),
        (
            S3DataPlane.from_spec,
            lambda s: s["x-cloudnx-s3-data-plane"].update(path_prefix_on_api_host="s3/"),
            "must look like /s3",
        ),
        (
            SigV4.from_spec,
            lambda s: s["components"]["securitySchemes"]["sigv4"].pop("x-cloudnx-auth-scheme"),
            "no security scheme",
        ),
    ],
)
def test_a_malformed_extension_is_a_clear_spec_error(reader: Any, mutate: Any, message: str) -> None:
    spec = _spec()
    mutate(spec)
    with pytest.raises(cloudnx_spec.SpecError, match=message):
        reader(spec)


def test_a_malformed_operation_extension_names_its_pointer() -> None:
    spec = _spec()
    first = next(iter(spec["paths"].values()))
    op = next(v for k, v in first.items() if k in cloudnx_spec.HTTP_METHODS)
    op["x-cloudnx-iam"] = {"action": 3, "resource": "r"}
    with pytest.raises(cloudnx_spec.SpecError, match=r"/paths/.*/x-cloudnx-iam/action must be a string"):
        build_operations(spec, cloudnx_spec.idempotency().header)
