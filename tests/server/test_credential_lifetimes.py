"""Credentials end when they should: a query-string-signed (presigned) control-plane request lives at most the
spec's cloudnx_spec.sigv4().presigned_max_seconds (15 minutes), and the bearer tokens exchanged from an access key end
when the key is deleted or set Inactive (spec: iam_exchange_credentials, access_keys_update/delete)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import cloudnx_spec
from reference_server.app import PlatformApp

from .conftest import PASSWORD, Account, client_for, cookie_value, make_app, new_account

pytestmark = [pytest.mark.server, pytest.mark.anyio]

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


async def _iam_key(client: httpx.AsyncClient, root: Account) -> tuple[dict[str, str], str]:
    user = (await client.post("/auth/iam/users", json={"name": "holder"}, headers=root.cookie)).json()
    doc = {"name": "all", "document": ALLOW_ALL}
    policy = (await client.post("/auth/iam/policies", json=doc, headers=root.cookie)).json()
    await client.put(f"/auth/iam/users/{user['id']}/policies/{policy['id']}", headers=root.cookie)
    key = await client.post(f"/auth/iam/users/{user['id']}/access-keys", json={}, headers=root.cookie)
    return key.json(), user["id"]


def _presigned(key: dict[str, str], method: str, url: str, expires: int) -> str:
    request = AWSRequest(method=method, url=url)
    SigV4QueryAuth(Credentials(key["id"], key["secret_access_key"]), "cloudnx", "in-mum", expires=expires).add_auth(
        request
    )
    return str(request.url)


Setup = tuple[PlatformApp, httpx.AsyncClient, Account, dict[str, str], str]


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    app = make_app()
    async with client_for(app) as client:
        root = await new_account(client)
        key, user_id = await _iam_key(client, root)
        yield app, client, root, key, user_id


async def test_a_presigned_request_works_within_its_lifetime(setup: Setup) -> None:
    _, client, _, key, _ = setup
    response = await client.get(_presigned(key, "GET", "http://testserver/auth/me", 60))
    assert response.status_code == 200, response.text


async def test_a_presigned_lifetime_beyond_fifteen_minutes_is_refused(setup: Setup) -> None:
    _, client, _, key, _ = setup
    limit = cloudnx_spec.sigv4().presigned_max_seconds
    response = await client.get(_presigned(key, "GET", "http://testserver/auth/me", limit + 1))
    assert response.status_code == 401, response.text
    assert set(response.json()) == {"error"}


async def test_a_delete_presigned_twenty_minutes_ago_is_not_executed(setup: Setup) -> None:
    app, client, root, key, _ = setup
    team = (await client.post("/auth/teams", json={"name": "kept"}, headers=root.cookie)).json()
    url = _presigned(key, "DELETE", f"http://testserver/auth/teams/{team['id']}", 3600)
    app.ctx.clock.advance(20 * 60)
    response = await client.delete(url)
    assert response.status_code == 401, response.text
    login = await client.post("/auth/login", json={"email": root.email, "password": PASSWORD})
    cookie = {"Cookie": f"cnx_access={cookie_value(login, 'cnx_access')}"}  # the old one expired meanwhile
    assert (await client.get(f"/auth/teams/{team['id']}", headers=cookie)).status_code == 200


async def _exchange(client: httpx.AsyncClient, key: dict[str, str]) -> dict[str, str]:
    body = {"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]}
    response = await client.post("/auth/iam/exchange-credentials", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.mark.parametrize("how", ["delete", "deactivate"])
async def test_exchanged_tokens_end_with_their_access_key(setup: Setup, how: str) -> None:
    _, client, root, key, user_id = setup
    bearer = await _exchange(client, key)
    assert (await client.get("/auth/me", headers=bearer)).status_code == 200
    path = f"/auth/iam/users/{user_id}/access-keys/{key['id']}"
    if how == "delete":
        assert (await client.delete(path, headers=root.cookie)).status_code == 200
    else:
        changed = await client.patch(path, json={"status": "Inactive"}, headers=root.cookie)
        assert changed.status_code == 200, changed.text
    assert (await client.get("/auth/me", headers=bearer)).status_code == 401
    if how == "deactivate":
        # Reactivating the key lets it be exchanged again; the tokens it had before stay ended.
        await client.patch(path, json={"status": "Active"}, headers=root.cookie)
        assert (await client.get("/auth/me", headers=bearer)).status_code == 401
        fresh = await _exchange(client, key)
        assert (await client.get("/auth/me", headers=fresh)).status_code == 200


async def test_a_second_key_of_the_same_user_keeps_its_tokens(setup: Setup) -> None:
    _, client, root, key, user_id = setup
    other = (await client.post(f"/auth/iam/users/{user_id}/access-keys", json={}, headers=root.cookie)).json()
    kept = await _exchange(client, other)
    await client.delete(f"/auth/iam/users/{user_id}/access-keys/{key['id']}", headers=root.cookie)
    assert (await client.get("/auth/me", headers=kept)).status_code == 200
