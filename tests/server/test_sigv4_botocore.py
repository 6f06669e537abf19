"""The SigV4 verifier accepts what botocore's signer produces and rejects any single-field change."""

from __future__ import annotations

import dataclasses
import time
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from reference_server.platform.sigv4 import SignedRequest, SigV4Error, SigV4Verifier

pytestmark = pytest.mark.server

KEY_ID, SECRET = "CNXKTESTTESTTEST0001", "s3cr3t/s3cr3t+s3cr3t/s3cr3t+s3cr3t/s3cr3t0"
CREDS = Credentials(KEY_ID, SECRET)


def to_signed(request: AWSRequest) -> SignedRequest:
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    headers = tuple((k, v) for k, v in prepared.headers.items())
    body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
    if not any(k.lower() == "host" for k, _ in headers):
        headers = (("Host", parts.netloc), *headers)
    return SignedRequest(prepared.method, parts.path, parts.query, headers, body)


def sign(method: str = "POST", url: str = "http://127.0.0.1:8080/auth/teams?limit=5", body: bytes = b'{"a":1}'):
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(CREDS, "cloudnx", "in-mum").add_auth(request)
    return to_signed(request)


def verifier(service: str = "cloudnx", clock: float | None = None) -> SigV4Verifier:
    return SigV4Verifier(
        service=service,
        region="in-mum",
        lookup_secret=lambda key: SECRET if key == KEY_ID else None,
        clock=(lambda: clock) if clock is not None else time.time,
    )


def test_botocore_signed_request_verifies() -> None:
    identity = verifier().verify(sign())
    assert identity.access_key_id == KEY_ID


def test_botocore_signed_path_with_encoded_characters_verifies() -> None:
    verifier().verify(sign("GET", "http://127.0.0.1:8080/auth/a%20b/c~d?x=1%202&y=", b""))


def _replace_header(req: SignedRequest, name: str, value: str) -> SignedRequest:
    headers = tuple((k, value if k.lower() == name else v) for k, v in req.headers)
    return dataclasses.replace(req, headers=headers)


def _auth(r: SignedRequest) -> str:
    return r.header_values("authorization")[0]


def _other_digit(text: str) -> str:
    """``text`` with its last digit changed (a second, a signature nibble), never left equal by chance."""
    i = max(i for i, c in enumerate(text) if c.isdigit())
    return text[:i] + ("1" if text[i] == "0" else "0") + text[i + 1 :]


MUTATIONS = {
    "method": lambda r: dataclasses.replace(r, method="PUT"),
    "path": lambda r: dataclasses.replace(r, path="/auth/teamz"),
    "query": lambda r: dataclasses.replace(r, query="limit=6"),
    "body": lambda r: dataclasses.replace(r, body=b'{"a":2}'),
    "host": lambda r: _replace_header(r, "host", "127.0.0.1:8081"),
    "content-type": lambda r: _replace_header(r, "content-type", "text/plain"),
    "date": lambda r: _replace_header(r, "x-amz-date", _other_digit(r.header_values("x-amz-date")[0])),
    "signature": lambda r: _replace_header(r, "authorization", _other_digit(_auth(r))),
    "key": lambda r: _replace_header(r, "authorization", _auth(r).replace(KEY_ID, "CNXKOTHER")),
    "region": lambda r: _replace_header(r, "authorization", _auth(r).replace("in-mum", "in-del")),
    "service": lambda r: _replace_header(r, "authorization", _auth(r).replace("/cloudnx/", "/s3/")),
}


@pytest.mark.parametrize("field", sorted(MUTATIONS))
def test_single_field_change_is_rejected(field: str) -> None:
    with pytest.raises(SigV4Error):
        verifier().verify(MUTATIONS[field](sign()))


def test_host_must_be_signed() -> None:
    request = sign()
    auth = request.header_values("authorization")[0]
    unsigned_host = _replace_header(request, "authorization", auth.replace("SignedHeaders=", "SignedHeaders=x;"))
    with pytest.raises(SigV4Error):
        verifier().verify(unsigned_host)


@pytest.mark.parametrize(("offset", "ok"), [(-899, True), (899, True), (-901, False), (901, False)])
def test_clock_skew_is_fifteen_minutes(offset: int, ok: bool) -> None:
    request = sign()
    check = verifier(clock=time.time() + offset)
    if ok:
        check.verify(request)
    else:
        with pytest.raises(SigV4Error) as info:
            check.verify(request)
        assert info.value.code == "RequestTimeTooSkewed"


def test_s3_header_and_presigned_forms() -> None:
    put = AWSRequest(method="PUT", url="http://127.0.0.1:8080/s3/bkt/a%20key.txt", data=b"hello")
    S3SigV4Auth(CREDS, "s3", "in-mum").add_auth(put)
    verifier("s3").verify(to_signed(put))

    get = AWSRequest(method="GET", url="http://127.0.0.1:8080/s3/bkt/a%20key.txt")
    S3SigV4QueryAuth(CREDS, "s3", "in-mum", expires=60).add_auth(get)
    presigned = to_signed(get)
    assert verifier("s3").verify(presigned).presigned
    with pytest.raises(SigV4Error) as info:
        verifier("s3", clock=time.time() + 61).verify(presigned)
    assert info.value.code == "AccessDenied"


@pytest.mark.parametrize("expires", ["0", "-1", "604801", "abc"])
def test_presigned_expiry_out_of_bounds_is_rejected(expires: str) -> None:
    get = AWSRequest(method="GET", url="http://127.0.0.1:8080/s3/bkt/k")
    S3SigV4QueryAuth(CREDS, "s3", "in-mum", expires=60).add_auth(get)
    presigned = to_signed(get)
    bad = dataclasses.replace(
        presigned, query=presigned.query.replace("X-Amz-Expires=60", f"X-Amz-Expires={expires}")
    )
    with pytest.raises(SigV4Error) as info:
        verifier("s3").verify(bad)
    assert info.value.code == "AuthorizationQueryParametersError"
