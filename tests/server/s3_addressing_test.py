"""Presigned URLs (botocore's own presigner) for the everyday operations, and virtual-hosted-style addressing on the
data plane's own port (the bucket in the Host's first label)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .s3_support import DataPlane, boto, close_clients, serve

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def own_port() -> Iterator[tuple[DataPlane, str]]:
    plane = DataPlane()
    with serve(plane.s3.standalone()) as base:
        yield plane, base
    close_clients()


def test_presigned_urls_for_everyday_operations(own_port: tuple[DataPlane, str]) -> None:
    plane, base = own_port
    s3: Any = boto(base, plane.rw)

    def url(operation: str, **params: Any) -> str:
        return str(s3.generate_presigned_url(operation, Params={"Bucket": "alpha", **params}, ExpiresIn=60))

    with httpx.Client(timeout=10) as http:
        assert http.put(url("put_object", Key="pre/a.txt"), content=b"presigned").status_code == 200
        assert http.get(url("get_object", Key="pre/a.txt")).content == b"presigned"
        assert http.head(url("head_object", Key="pre/a.txt")).headers["content-length"] == "9"
        listed = http.get(url("list_objects_v2", Prefix="pre/"))
        assert b"<Key>pre/a.txt</Key>" in listed.content
        upload = s3.create_multipart_upload(Bucket="alpha", Key="pre/mp")["UploadId"]
        part = http.put(url("upload_part", Key="pre/mp", UploadId=upload, PartNumber=1), content=b"part one")
        assert part.status_code == 200
        s3.complete_multipart_upload(
            Bucket="alpha",
            Key="pre/mp",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part.headers["etag"]}]},
        )
        assert http.get(url("get_object", Key="pre/mp")).content == b"part one"
        assert http.delete(url("delete_object", Key="pre/a.txt")).status_code == 204
        assert http.get(url("get_object", Key="pre/a.txt")).status_code == 404


def test_virtual_hosted_style(own_port: tuple[DataPlane, str]) -> None:
    plane, base = own_port
    boto(base, plane.rw).put_object(Bucket="alpha", Key="vh/object.txt", Body=b"virtual")
    port = base.rsplit(":", 1)[1]
    host = f"alpha.s3.test:{port}"  # resolves nowhere: the request goes to 127.0.0.1 with this Host header
    request = AWSRequest(method="GET", url=f"http://{host}/vh/object.txt")
    S3SigV4Auth(Credentials(plane.rw.id, plane.rw.secret), "s3", "in-mum").add_auth(request)
    with httpx.Client(timeout=10) as http:
        got = http.get(f"{base}/vh/object.txt", headers={**dict(request.headers.items()), "Host": host})
    assert (got.status_code, got.content) == (200, b"virtual")
