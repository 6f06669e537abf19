"""boto3, unmodified, against the data plane on a real uvicorn server: round trip, listing, scope, errors."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import cloudnx_spec

from .s3_support import DataPlane, KeyPair, serve

pytestmark = pytest.mark.server


_CLIENTS: list[Any] = []


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[DataPlane, str]]:
    plane = DataPlane()
    with serve(plane.app) as base:
        yield plane, base
    for client in _CLIENTS:
        client.close()  # their pooled sockets would otherwise be reported unclosed (filterwarnings = error)


def s3(base: str, key: KeyPair) -> Any:
    client = boto3.client(
        "s3",
        endpoint_url=f"{base}/s3",
        region_name="in-mum",
        aws_access_key_id=key.id,
        aws_secret_access_key=key.secret,
        config=Config(retries={"max_attempts": 1}),
    )
    _CLIENTS.append(client)
    return client


def code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]


def test_round_trip_put_list_get_head_delete(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    client = s3(base, plane.rw)
    put = client.put_object(Bucket="alpha", Key="docs/readme.txt", Body=b"hello s3", ContentType="text/plain",
                            Metadata={"owner": "kit"})  # fmt: skip
    assert put["ETag"] == '"' + hashlib.md5(b"hello s3", usedforsecurity=False).hexdigest() + '"'
    client.put_object(Bucket="alpha", Key="docs/a b+c.txt", Body=b"x")
    client.put_object(Bucket="alpha", Key="top.txt", Body=b"yz")
    listed = client.list_objects_v2(Bucket="alpha", Prefix="docs/")
    assert [o["Key"] for o in listed["Contents"]] == ["docs/a b+c.txt", "docs/readme.txt"]
    folders = client.list_objects_v2(Bucket="alpha", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["docs/"]
    assert [o["Key"] for o in folders["Contents"]] == ["top.txt"]
    got = client.get_object(Bucket="alpha", Key="docs/readme.txt")
    assert got["Body"].read() == b"hello s3"
    assert (got["ContentType"], got["Metadata"]) == ("text/plain", {"owner": "kit"})
    head = client.head_object(Bucket="alpha", Key="docs/readme.txt")
    assert head["ContentLength"] == 8
    assert head["ETag"] == put["ETag"]
    ranged = client.get_object(Bucket="alpha", Key="docs/readme.txt", Range="bytes=6-7")
    assert ranged["Body"].read() == b"s3"
    bucket = plane.h.call("buckets_get", bucket_name="alpha")
    assert (bucket["object_count"], bucket["size_bytes"]) == (3, 11)
    for key in ("docs/readme.txt", "docs/a b+c.txt", "top.txt"):
        client.delete_object(Bucket="alpha", Key=key)
    with pytest.raises(ClientError) as missing:
        client.get_object(Bucket="alpha", Key="docs/readme.txt")
    assert code(missing) == (404, "NoSuchKey")
    with pytest.raises(ClientError) as head_missing:
        client.head_object(Bucket="alpha", Key="docs/readme.txt")
    assert code(head_missing)[0] == 404
    assert client.list_objects_v2(Bucket="alpha")["KeyCount"] == 0


def test_pagination_with_continuation_tokens(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    client = s3(base, plane.beta)
    keys = [f"p/{n:03d}" for n in range(25)]
    for key in keys:
        client.put_object(Bucket="beta", Key=key, Body=b".")
    seen: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket="beta", PaginationConfig={"PageSize": 7}):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == keys
    for key in keys:
        client.delete_object(Bucket="beta", Key=key)


def test_key_scope_and_permission(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    with pytest.raises(ClientError) as foreign:
        s3(base, plane.beta).put_object(Bucket="alpha", Key="x", Body=b"x")
    assert code(foreign) == (403, "AccessDenied")
    with pytest.raises(ClientError) as foreign_read:
        s3(base, plane.rw).list_objects_v2(Bucket="beta")
    assert code(foreign_read) == (403, "AccessDenied")
    reader = s3(base, plane.ro)
    with pytest.raises(ClientError) as read_only:
        reader.put_object(Bucket="alpha", Key="x", Body=b"x")
    assert code(read_only) == (403, "AccessDenied")
    assert reader.list_objects_v2(Bucket="alpha")["KeyCount"] == 0


def test_credential_errors(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    with pytest.raises(ClientError) as bad_secret:
        s3(base, KeyPair(plane.rw.id, "x" * 40)).list_objects_v2(Bucket="alpha")
    assert code(bad_secret) == (403, "SignatureDoesNotMatch")
    with pytest.raises(ClientError) as unknown:
        s3(base, KeyPair("CNXB0000000000000000", "x" * 40)).list_objects_v2(Bucket="alpha")
    assert code(unknown) == (403, "InvalidAccessKeyId")
    with pytest.raises(ClientError) as no_bucket:
        s3(base, plane.rw).list_objects_v2(Bucket="gamma")
    assert code(no_bucket) == (404, "NoSuchBucket")
    plane.h.advance(901)
    try:
        with pytest.raises(ClientError) as skewed:
            s3(base, plane.rw).list_objects_v2(Bucket="alpha")
        assert code(skewed) == (403, "RequestTimeTooSkewed")
    finally:
        plane.h.advance(-901)
    anonymous = httpx.get(f"{base}/s3/alpha?list-type=2")
    assert anonymous.status_code == 403
    assert b"<Code>AccessDenied</Code>" in anonymous.content
    assert anonymous.headers["content-type"].startswith("application/xml")


def test_deleted_key_stops_at_once_and_bucket_delete_needs_empty(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    temp = plane._key("alpha", "read-write")
    client = s3(base, temp)
    client.put_object(Bucket="alpha", Key="keep", Body=b"1")
    assert plane.h.call("buckets_delete", bucket_name="alpha").status == 409
    assert plane.h.call("bucket_keys_delete", bucket_name="alpha", key_id=temp.id).status == 200
    with pytest.raises(ClientError) as gone:
        client.get_object(Bucket="alpha", Key="keep")
    assert code(gone) == (403, "InvalidAccessKeyId")
    s3(base, plane.rw).delete_object(Bucket="alpha", Key="keep")


def test_a_body_over_max_put_bytes_is_refused_before_it_is_stored(live: tuple[DataPlane, str]) -> None:
    """A declared size over cloudnx_spec.s3_data_plane().max_put_bytes is EntityTooLarge at once (nothing is read)."""
    plane, base = live
    limit = cloudnx_spec.s3_data_plane().max_put_bytes
    request = AWSRequest(
        method="PUT",
        url=f"{base}/s3/alpha/huge",
        headers={"Content-Length": str(limit + 1), "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
    )
    S3SigV4Auth(Credentials(plane.rw.id, plane.rw.secret), "s3", "in-mum").add_auth(request)
    host, port = base.removeprefix("http://").split(":")
    head = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"PUT /s3/alpha/huge HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode() + b"x" * 1024)
        received = b""
        while chunk := sock.recv(65536):  # the server closes the connection after its answer
            received += chunk
    answer = received.decode("latin-1")
    assert answer.startswith("HTTP/1.1 400"), answer[:400]
    assert "<Code>EntityTooLarge</Code>" in answer, answer
    assert "connection: close" in answer.lower()
