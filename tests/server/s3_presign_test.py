"""Presigned URLs used with a plain HTTP client: honoured until expiry, 403 after; method and key are bound."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from unittest import mock

import httpx
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .s3_support import DataPlane, serve

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[DataPlane, str]]:
    plane = DataPlane()
    with serve(plane.app) as base:
        yield plane, base


@pytest.fixture
def plane(live: tuple[DataPlane, str]) -> DataPlane:
    return live[0]


@pytest.fixture
def host(live: tuple[DataPlane, str]) -> str:
    return live[1].removeprefix("http://")


def client() -> httpx.Client:
    return httpx.Client(timeout=10)


def test_presigned_put_then_get_until_expiry(plane: DataPlane, host: str) -> None:
    put_url = plane.presign(plane.rw, "PUT", "reports/2026-11.csv", 60, host)
    get_url = plane.presign(plane.rw, "GET", "reports/2026-11.csv", 120, host)
    with client() as http:
        assert http.put(put_url, content=b"a,b\n1,2\n").status_code == 200
        got = http.get(get_url)
        assert (got.status_code, got.content) == (200, b"a,b\n1,2\n")
        plane.h.advance(61)
        expired = http.put(put_url, content=b"late")
        assert expired.status_code == 403
        assert b"<Code>AccessDenied</Code>" in expired.content
        assert http.get(get_url).status_code == 200
        plane.h.advance(60)
        assert http.get(get_url).status_code == 403


def test_presigned_url_binds_method_and_key(plane: DataPlane, host: str) -> None:
    get_url = plane.presign(plane.rw, "GET", "a.txt", 60, host)
    with client() as http:
        wrong_method = http.delete(get_url)
        assert wrong_method.status_code == 403
        assert b"SignatureDoesNotMatch" in wrong_method.content
        wrong_key = http.get(get_url.replace("/a.txt?", "/b.txt?"))
        assert wrong_key.status_code == 403
        assert b"SignatureDoesNotMatch" in wrong_key.content
        assert http.get(get_url).status_code == 404  # signed fine, object absent
        assert b"<Code>NoSuchKey</Code>" in http.get(get_url).content


def test_presigned_url_equals_botocores(plane: DataPlane) -> None:
    """The control plane signs exactly as botocore's own S3 presigner would at the same instant."""
    url = plane.presign(plane.rw, "GET", "dir/file name+1.txt", 3600, "testserver")
    signed_at = datetime.datetime.strptime(url.split("X-Amz-Date=")[1][:16], "%Y%m%dT%H%M%SZ")
    request = AWSRequest(method="GET", url="http://testserver/s3/alpha/dir/file%20name%2B1.txt")
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        S3SigV4QueryAuth(Credentials(plane.rw.id, plane.rw.secret), "s3", "in-mum", expires=3600).add_auth(request)
    assert url.split("X-Amz-Signature=")[1] == request.url.split("X-Amz-Signature=")[1]


def test_presign_expiry_bounds_are_enforced_on_the_data_plane(plane: DataPlane, host: str) -> None:
    url = plane.presign(plane.rw, "GET", "a.txt", 60, host)
    with client() as http:
        for bad in ("0", "604801", "-5"):
            got = http.get(url.replace("X-Amz-Expires=60", f"X-Amz-Expires={bad}"))
            assert got.status_code in (400, 403), bad
