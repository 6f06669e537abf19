"""Bodies stream to disk and only a whole, verified body replaces an object: a client that goes away mid-upload or
sends other bytes than it signed leaves the previous version in place and no file behind."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .s3_support import DataPlane, boto

pytestmark = pytest.mark.server


def _incoming_empty(plane: DataPlane) -> bool:
    deadline = time.monotonic() + 5
    while any(plane.s3.blobs.incoming.iterdir()):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_an_upload_cut_short_keeps_the_old_version(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    s3 = boto(f"{base}/s3", plane.rw)
    s3.put_object(Bucket="alpha", Key="cut", Body=b"old version")
    host, port = base.removeprefix("http://").split(":")
    request = AWSRequest(method="PUT", url=f"{base}/s3/alpha/cut", headers={"Content-Length": "1048576"})

    class Unsigned(S3SigV4Auth):  # UNSIGNED-PAYLOAD over plain HTTP, so the body may be cut short unhashed
        def _should_sha256_sign_payload(self, request: AWSRequest) -> bool:
            return False

    Unsigned(Credentials(plane.rw.id, plane.rw.secret), "s3", "in-mum").add_auth(request)
    head = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"PUT /s3/alpha/cut HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode() + b"n" * 300_000)
    assert _incoming_empty(plane), "a body cut short left its temporary file behind"
    assert s3.get_object(Bucket="alpha", Key="cut")["Body"].read() == b"old version"


def test_a_body_other_than_signed_is_refused_and_changes_nothing(live: tuple[DataPlane, str]) -> None:
    plane, base = live
    s3 = boto(f"{base}/s3", plane.rw)
    s3.put_object(Bucket="alpha", Key="lie", Body=b"old version")
    request = AWSRequest(method="PUT", url=f"{base}/s3/alpha/lie", data=b"what was signed")
    S3SigV4Auth(Credentials(plane.rw.id, plane.rw.secret), "s3", "in-mum").add_auth(request)
    with httpx.Client(timeout=10) as http:
        sent = http.put(f"{base}/s3/alpha/lie", content=b"something else!", headers=dict(request.headers.items()))
    assert sent.status_code == 400, sent.text
    assert "<Code>XAmzContentSHA256Mismatch</Code>" in sent.text
    assert s3.get_object(Bucket="alpha", Key="lie")["Body"].read() == b"old version"
    assert _incoming_empty(plane)
