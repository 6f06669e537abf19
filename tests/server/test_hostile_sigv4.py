"""SigV4 with bytes outside ASCII: a malformed credential is a 401 in the error shape, never a 500, and such
requests are still counted by the limiter and recorded in the audit log (like any other failed request)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .conftest import AccountFactory, client_for, make_app, new_account
from .loopback import raw_exchange, serve

pytestmark = [pytest.mark.server, pytest.mark.anyio]

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


async def _access_key(client: httpx.AsyncClient, cookie: dict[str, str]) -> dict[str, str]:
    user = (await client.post("/auth/iam/users", json={"name": "signer"}, headers=cookie)).json()
    policy = await client.post("/auth/iam/policies", json={"name": "all", "document": ALLOW_ALL}, headers=cookie)
    await client.put(f"/auth/iam/users/{user['id']}/policies/{policy.json()['id']}", headers=cookie)
    key = await client.post(f"/auth/iam/users/{user['id']}/access-keys", json={}, headers=cookie)
    created: dict[str, str] = key.json()
    return created


def _signed_headers(key: dict[str, str], method: str, url: str, body: bytes = b"") -> dict[str, str]:
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key["id"], key["secret_access_key"]), "cloudnx", "in-mum").add_auth(request)
    return dict(request.prepare().headers.items())


def _with_bad_signature(headers: dict[str, str]) -> dict[str, str]:
    # The latin-1 byte 0xE9 ("é") where the hex signature should be: what a hostile client can send.
    authorization = headers["Authorization"]
    cut = authorization.index("Signature=") + len("Signature=")
    return {**headers, "Authorization": authorization[:cut] + "\xe9" * 64}


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda h: {**h, "X-Amz-Content-SHA256": "\xe9"}, id="content-sha256"),
        pytest.param(_with_bad_signature, id="signature"),
        pytest.param(lambda h: {**h, "X-Amz-Date": "2026\xe9"}, id="date"),
        pytest.param(
            lambda h: {**h, "Authorization": h["Authorization"].replace("Credential=", "Credential=\xe9")},
            id="credential",
        ),
    ],
)
async def test_non_ascii_sigv4_is_401_in_the_error_shape(
    client: httpx.AsyncClient, account_factory: AccountFactory, mutate: object
) -> None:
    root = await account_factory()
    key = await _access_key(client, root.cookie)
    headers = _signed_headers(key, "GET", "http://testserver/auth/me")
    assert (await client.get("/auth/me", headers=headers)).status_code == 200
    hostile = mutate(headers)  # type: ignore[operator]
    response = await client.get("/auth/me", headers={k: v.encode("latin-1") for k, v in hostile.items()})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"error"}


async def test_failed_sigv4_is_rate_limited_and_audited() -> None:
    app = make_app(rate_limit=5)
    async with client_for(app) as client:
        root = await new_account(client)
        key = await _access_key(client, root.cookie)
        body = b'{"name":"never"}'
        headers = _with_bad_signature(_signed_headers(key, "POST", "http://testserver/auth/teams", body))
        raw = {k: v.encode("latin-1") for k, v in headers.items()}
        statuses = [(await client.post("/auth/teams", content=body, headers=raw)).status_code for _ in range(8)]
        # Counted per client address (anonymous scope), like any request that failed to authenticate.
        assert 429 in statuses, statuses
        assert set(statuses) <= {401, 429}, statuses
    async with client_for(app, ("127.0.0.9", 40000)) as other:
        events = (await other.get("/auth/audit-logs", headers=root.cookie)).json()["events"]
    failed = [e for e in events if e["status_code"] == 401 and e["path"] == "/auth/teams"]
    assert failed, json.dumps(events)[:2000]
    assert failed[0]["outcome"] == "failure"


def test_non_ascii_sigv4_over_http_is_401_json() -> None:
    with serve("--rate-limit", "100000") as url:
        host = url.split("//", 1)[1].encode()
        # A current date, so the verifier gets past the clock-skew check to the payload hash.
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()).encode()
        request = (
            b"GET /auth/me HTTP/1.1\r\nHost: " + host + b"\r\n"
            b"Authorization: AWS4-HMAC-SHA256 Credential=CNXKAAAAAAAAAAAAAAAA/" + amz_date[:8] + b"/in-mum/cloudnx/"
            b"aws4_request, SignedHeaders=host;x-amz-date, Signature=\xe9\xe9\r\n"
            b"X-Amz-Date: " + amz_date + b"\r\nX-Amz-Content-SHA256: \xe9\r\nConnection: close\r\n\r\n"
        )
        answer = raw_exchange(url, request)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401"), answer[:300]
    assert b"content-type: application/json" in head.lower()
    assert set(json.loads(body)) == {"error"}


def _s3_signed_headers(key: dict[str, str], url: str) -> dict[str, str]:
    request = AWSRequest(method="GET", url=url)
    S3SigV4Auth(Credentials(key["id"], key["secret_access_key"]), "s3", "in-mum").add_auth(request)
    return dict(request.prepare().headers.items())


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda h: {**h, "X-Amz-Content-SHA256": "\xe9"}, id="content-sha256"),
        pytest.param(_with_bad_signature, id="signature"),
        pytest.param(lambda h: {**h, "X-Amz-Date": "2026\xe9"}, id="date"),
    ],
)
async def test_non_ascii_sigv4_on_the_data_plane_is_an_s3_error(
    client: httpx.AsyncClient, account_factory: AccountFactory, mutate: object
) -> None:
    root = await account_factory()
    created = await client.post("/storage/buckets", json={"name": "hostile-bytes"}, headers=root.cookie)
    assert created.status_code == 201, created.text
    key = (await client.post("/storage/buckets/hostile-bytes/keys", json={"name": "k"}, headers=root.cookie)).json()
    url = "http://testserver/s3/hostile-bytes/a.txt"
    headers = _s3_signed_headers(key, url)
    signed = await client.get(url, headers=headers)
    assert b"<Code>NoSuchKey</Code>" in signed.content, signed.text  # the unmodified request gets past the signature
    hostile = mutate(headers)  # type: ignore[operator]
    response = await client.get(url, headers={k: v.encode("latin-1") for k, v in hostile.items()})
    assert 400 <= response.status_code < 500, response.text
    assert b"<Error>" in response.content, response.text
