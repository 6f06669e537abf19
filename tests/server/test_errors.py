"""Every error in the seed's shape, including the framework's own (404, 405 + Allow, 413, 415, bad JSON, 500),
and RateLimit-* headers on every response."""

from __future__ import annotations

import httpx
import pytest

from reference_server.app import PlatformApp
from reference_server.platform.core import HANDLERS, Call, Reply

from .conftest import Account, AccountFactory

pytestmark = [pytest.mark.server, pytest.mark.anyio]


def assert_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str)
    assert body["error"]
    for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
        assert response.headers[name].isdigit()


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nowhere"), 404)
    assert_error(await client.get("/auth/me/"), 404)


async def test_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.put("/auth/me")
    assert_error(response, 405)
    assert response.headers["allow"] == "GET, PATCH"


async def test_oversized_body_is_413(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    response = await client.post("/auth/signup", content=b"[" + b"1," * 40000 + b"1]")
    assert_error(response, 413)


async def test_non_json_body_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/signup", content=b"email=a", headers={"content-type": "text/plain"})
    assert_error(response, 415)


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/signup", content=b"{nope", headers={"content-type": "application/json"})
    assert_error(response, 400)


async def test_validation_error_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/signup", json={"email": "a@example.com", "password": "short"})
    assert_error(response, 400)
    assert response.json()["error"].startswith("body.password")
    response = await client.get("/auth/teams", params={"limit": "0"})
    assert_error(response, 401)  # credentials are checked before parameters


async def test_query_parameter_errors_name_the_parameter(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    account: Account = await account_factory()
    response = await client.get("/auth/teams", params={"limit": "abc"}, headers=account.cookie)
    assert_error(response, 400)
    assert response.json()["error"].startswith("query.limit")


async def test_handler_crash_is_500_without_internals(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    account: Account = await account_factory()

    async def boom(call: Call) -> Reply:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setitem(HANDLERS, "auth_me_get", boom)
    response = await client.get("/auth/me", headers=account.cookie)
    assert_error(response, 500)
    assert "secret" not in response.text
    assert "Traceback" not in response.text


async def test_missing_credentials_is_401(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/auth/me"), 401)
    assert_error(await client.get("/auth/me", headers={"Authorization": "Bearer nonsense"}), 401)
    assert_error(await client.get("/auth/me", headers={"Authorization": "Basic eDp5"}), 401)
