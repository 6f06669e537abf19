"""The whole reference server on uvicorn: the JSON API issues a bucket key and presigned URLs, the data plane the
platform mounts at /s3 honours them, boto3 works with endpoint_url=<base>/s3, and usage reaches billing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

import cloudnx_spec
from reference_server.app import create_app
from reference_server.platform.core import HANDLERS
from reference_server.settings import Settings

from .s3_support import serve

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Any, str, dict[str, str]]]:
    app = create_app(Settings.load(options={"debug_validation": True}, environ={}))
    with serve(app) as base:  # type: ignore[arg-type]
        creds = {"email": "e2e@example.com", "password": "correct horse battery staple"}
        assert httpx.post(f"{base}/auth/signup", json=creds).status_code == 201
        login = httpx.post(f"{base}/auth/login", json=creds)
        token = re.search(r"cnx_access=([^;]+)", "\n".join(login.headers.get_list("set-cookie")))
        assert token is not None
        yield app, base, {"Authorization": f"Bearer {token.group(1)}"}


def test_every_spec_operation_has_a_handler() -> None:
    create_app(Settings.load(environ={}))
    assert set(HANDLERS) == {op.operation_id for op in cloudnx_spec.operations()}
    assert len(HANDLERS) == 111


def test_api_key_boto3_and_presigned_urls_end_to_end(server: tuple[Any, str, dict[str, str]]) -> None:
    app, base, auth = server
    with httpx.Client(base_url=base, headers=auth, timeout=10) as api:
        _round_trip(app, base, api)


def _round_trip(app: Any, base: str, api: httpx.Client) -> None:
    assert api.post("/storage/buckets", json={"name": "e2e-bucket"}).status_code == 201
    key = api.post("/storage/buckets/e2e-bucket/keys", json={"name": "sdk"}).json()
    s3 = boto3.client(
        "s3",
        endpoint_url=f"{base}/s3",
        region_name="in-mum",
        aws_access_key_id=key["id"],
        aws_secret_access_key=key["secret_access_key"],
        config=Config(retries={"max_attempts": 1}),
    )
    s3.put_object(Bucket="e2e-bucket", Key="hello.txt", Body=b"hello")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="e2e-bucket")["Contents"]] == ["hello.txt"]
    assert s3.head_object(Bucket="e2e-bucket", Key="hello.txt")["ContentLength"] == 5
    s3.close()

    def presign(method: str, object_key: str, expires_in: int) -> str:
        body = {"method": method, "key": object_key, "expires_in": expires_in, "access_key_id": key["id"]}
        got = api.post("/storage/buckets/e2e-bucket/presign", json=body)
        assert got.status_code == 200, got.text
        url: str = got.json()["url"]
        assert url.startswith(f"{base}/s3/e2e-bucket/")
        return url

    assert httpx.put(presign("PUT", "up.bin", 30), content=b"\x00\x01").status_code == 200
    get_url = presign("GET", "up.bin", 30)
    assert httpx.get(get_url).content == b"\x00\x01"
    bucket = api.get("/storage/buckets/e2e-bucket").json()
    assert (bucket["object_count"], bucket["size_bytes"]) == (2, 7)
    assert api.delete("/storage/buckets/e2e-bucket").status_code == 409

    app.ctx.clock.advance(31)
    expired = httpx.get(get_url)
    assert expired.status_code == 403
    assert b"<Code>AccessDenied</Code>" in expired.content
    usage = {r["metric"]: r["quantity"] for r in app.ctx.usage.totals(bucket["account_id"])}
    assert usage["storage-gib-hours"] == pytest.approx(7 * 31 / (1024**3 * 3600), rel=0.1)
