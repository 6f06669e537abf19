"""End to end over real HTTP on loopback: the CLI serves on a free port (uvicorn), and clients talk to it like
any other target: botocore-signed SigV4, exchanged bearer tokens, parallel idempotent creates, the limiter."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

pytestmark = pytest.mark.server
PASSWORD = "correct horse battery"


def stop_server(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def start_server(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_server.cli", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "http://" not in line:
        process.kill()
        raise AssertionError(f"server did not announce its URL: {line!r}")
    return process, line.strip().rsplit(" ", 1)[-1]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    process, url = start_server("--rate-limit", "100000")
    try:
        yield url
    finally:
        stop_server(process)


def root_cookie(client: httpx.Client, email: str) -> dict[str, str]:
    assert client.post("/auth/signup", json={"email": email, "password": PASSWORD}).status_code == 201
    login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    # The cookies are Secure: Python's jar will not send them over http, so the suite sends the header itself.
    return {"Cookie": login.headers.get_list("set-cookie")[0].split(";", 1)[0]}


def iam_key(client: httpx.Client, cookie: dict[str, str]) -> dict[str, str]:
    user = client.post("/auth/iam/users", json={"name": "signer"}, headers=cookie).json()
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "auth:*", "Resource": "*"}]}
    policy = client.post("/auth/iam/policies", json={"name": "all-auth", "document": document}, headers=cookie)
    client.put(f"/auth/iam/users/{user['id']}/policies/{policy.json()['id']}", headers=cookie)
    return client.post(f"/auth/iam/users/{user['id']}/access-keys", json={}, headers=cookie).json()


def signed(url: str, key: dict[str, str], method: str = "GET", body: bytes = b"") -> AWSRequest:
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key["id"], key["secret_access_key"]), "cloudnx", "in-mum").add_auth(request)
    return request


def send(request: AWSRequest, **changes: object) -> httpx.Response:
    prepared = request.prepare()
    headers = dict(prepared.headers.items())
    headers.update({k: str(v) for k, v in changes.items()})
    return httpx.request(prepared.method, prepared.url, headers=headers, content=prepared.body or b"")


def test_botocore_signed_requests_are_accepted_and_any_change_rejected(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        key = iam_key(client, root_cookie(client, "sig@example.com"))
    good = send(signed(f"{base_url}/auth/me", key))
    assert good.status_code == 200, good.text
    assert good.json()["type"] == "iam_user"
    created = send(signed(f"{base_url}/auth/teams", key, "POST", b'{"name":"signed"}'))
    assert created.status_code == 201, created.text
    request = signed(f"{base_url}/auth/teams", key, "POST", b'{"name":"signed2"}')
    tampered_body = request.prepare()
    response = httpx.post(
        tampered_body.url, headers=dict(tampered_body.headers.items()), content=b'{"name":"evil222"}'
    )
    assert response.status_code == 401
    assert send(signed(f"{base_url}/auth/me", key), **{"X-Amz-Date": "20200101T000000Z"}).status_code == 401
    host = urlsplit(base_url).netloc
    assert send(signed(f"{base_url}/auth/me", key), Host=host.replace("127.0.0.1", "localhost")).status_code == 401
    assert send(signed(f"{base_url}/auth/me?x=1", key)).status_code == 200
    stale = signed(f"{base_url}/auth/me", key)
    prepared = stale.prepare()
    assert httpx.get(prepared.url + "?x=2", headers=dict(prepared.headers.items())).status_code == 401


def test_exchanged_token_works_as_bearer_on_every_service(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        key = iam_key(client, root_cookie(client, "bearer@example.com"))
        exchanged = client.post(
            "/auth/iam/exchange-credentials",
            json={"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]},
        )
        assert exchanged.status_code == 200
        bearer = {"Authorization": f"Bearer {exchanged.json()['access_token']}"}
        assert client.get("/auth/me", headers=bearer).status_code == 200
        # The policy allows auth:* only: other services deny (403), which proves the token was accepted there.
        assert client.get("/compute/instances", headers=bearer).status_code == 403
        assert client.get("/storage/buckets", headers=bearer).status_code == 403


def test_twenty_parallel_same_key_creates_over_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        cookie = root_cookie(client, "para@example.com")
    headers = {**cookie, "Idempotency-Key": "parallel-http"}

    def create(_: int) -> httpx.Response:
        return httpx.post(f"{base_url}/auth/teams", json={"name": "one"}, headers=headers)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(create, range(20)))
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    teams = httpx.get(f"{base_url}/auth/teams", headers=cookie).json()["teams"]
    assert len(teams) == 1


def test_limiter_over_http_retry_after_is_honest() -> None:
    process, url = start_server()
    try:
        with httpx.Client(base_url=url) as client:
            cookie = root_cookie(client, "limit@example.com")
            time.sleep(1.1)  # the bootstrap requests were anonymous; start the principal's window clean
            statuses = [client.get("/auth/me", headers=cookie).status_code for _ in range(31)]
            assert statuses[:30] == [200] * 30
            assert statuses[30] == 429
            refused = client.get("/compute/instances", headers=cookie)
            assert refused.status_code == 429
            wait = int(refused.headers["retry-after"])
            assert wait >= 1
            time.sleep(wait)
            assert client.get("/storage/buckets", headers=cookie).status_code == 200
    finally:
        stop_server(process)
