"""Every operation of botocore's own S3 service model, sent by botocore: each is either offered (listed in
cloudnx_spec.s3_data_plane().operations and answered) or refused with an S3 error — never a silent success.

Inputs are the operation's required members only, filled with plain values of their shapes' types, so what a
refused operation sends is its bare S3 form (its sub-resource, method and headers).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.model import Shape

import cloudnx_spec

from .s3_support import DataPlane, boto, close_clients, serve

pytestmark = pytest.mark.server

_MODEL = botocore.session.get_session().get_service_model("s3")
_OPERATIONS = sorted(_MODEL.operation_names)
_VALUES: dict[str, Any] = {"Bucket": "alpha", "Key": "sweep/object", "CopySource": "alpha/sweep/source"}


def _value(name: str, shape: Shape, depth: int = 0) -> Any:
    if name in _VALUES:
        return _VALUES[name]
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        if shape.is_tagged_union:  # type: ignore[attr-defined]
            first = next(iter(members))
            return {first: _value(first, members[first], depth + 1)}
        return {m: _value(m, members[m], depth + 1) for m in shape.required_members if depth < 6}  # type: ignore[attr-defined]
    if kind == "list":
        return [_value(name, shape.member, depth + 1)]  # type: ignore[attr-defined]
    if kind == "map":
        return {}
    if kind in ("integer", "long"):
        return 1
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    if kind == "blob":
        return b"sweep"
    enum = shape.enum if hasattr(shape, "enum") else []
    return enum[0] if enum else "sweep".ljust(int(shape.metadata.get("min", 0)), "x")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    plane = DataPlane()
    with serve(plane.app) as base:
        s3 = boto(f"{base}/s3", plane.rw, inject_host_prefix=False)
        s3.put_object(Bucket="alpha", Key="sweep/source", Body=b"source")
        yield s3
    close_clients()


def _call(client: Any, operation: str) -> tuple[int, str]:
    """(HTTP status, S3 error code or "") of the operation sent with its required members."""
    shape = _MODEL.operation_model(operation).input_shape
    params = _value("", shape) if shape is not None else {}
    method = client.meta.method_to_api_mapping
    name = next(py for py, api in method.items() if api == operation)
    try:
        answer = getattr(client, name)(**params)
    except ClientError as exc:
        return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"].get("Code", "")
    if "Body" in answer:
        answer["Body"].close()
    return answer["ResponseMetadata"]["HTTPStatusCode"], ""


def test_no_operation_of_botocores_model_succeeds_unless_offered(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    offered = set(cloudnx_spec.s3_data_plane().operations)
    silent: list[str] = []
    answered: dict[str, tuple[int, str]] = {}
    for operation in _OPERATIONS:
        status, code = _call(client, operation)
        answered[operation] = (status, code)
        if operation not in offered and (status < 300 or not code):
            silent.append(f"{operation} answered {status} {code or '(no S3 error)'}")
    assert not silent, "operations not offered yet answered as if done:\n" + "\n".join(silent)
    refused = {op: code for op, (status, code) in answered.items() if op not in offered}
    # What a client is told for an unoffered operation is NotImplemented, save ListDirectoryBuckets: it is a
    # bare GET / like ListBuckets, signed for the S3 Express control endpoint's scope, which the signature check
    # refuses before it could be taken for ListBuckets.
    others = {op: code for op, code in refused.items() if code != "NotImplemented"}
    assert others == {"ListDirectoryBuckets": "AuthorizationHeaderMalformed"}, others
    never = sorted(op for op in offered if answered[op][1] == "NotImplemented")
    assert not never, f"offered operations answered NotImplemented: {never}"
    assert len(_OPERATIONS) > 90, "botocore's S3 model lost its operations?"
    with capsys.disabled():
        print(f"\nbotocore S3 model: {len(_OPERATIONS)} operations, {len(offered)} offered, {len(refused)} refused")
