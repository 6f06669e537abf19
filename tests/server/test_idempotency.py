"""Idempotency-Key: replay, mismatch (422), in flight (409), scope, and concurrency (one resource)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reference_server.app import PlatformApp
from reference_server.platform.core import HANDLERS, Call, Reply

from .conftest import AccountFactory

pytestmark = [pytest.mark.server, pytest.mark.anyio]


async def test_replay_returns_the_original_without_a_second_effect(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    headers = {**root.cookie, "Idempotency-Key": "k-1"}
    first = await client.post("/auth/teams", json={"name": "one"}, headers=headers)
    again = await client.post("/auth/teams", json={"name": "one"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.json() == first.json()
    assert len((await client.get("/auth/teams", headers=root.cookie)).json()["teams"]) == 1


async def test_same_key_other_body_is_422(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    root = await account_factory()
    headers = {**root.cookie, "Idempotency-Key": "k-2"}
    assert (await client.post("/auth/teams", json={"name": "a"}, headers=headers)).status_code == 201
    assert (await client.post("/auth/teams", json={"name": "b"}, headers=headers)).status_code == 422


async def test_keys_are_scoped_to_principal_and_path(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    alice, bob = await account_factory(), await account_factory()
    body = {"name": "shared"}
    a = await client.post("/auth/teams", json=body, headers={**alice.cookie, "Idempotency-Key": "same"})
    b = await client.post("/auth/teams", json=body, headers={**bob.cookie, "Idempotency-Key": "same"})
    assert a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers
    other_path = await client.post(
        "/auth/iam/users", json={"name": "shared"}, headers={**alice.cookie, "Idempotency-Key": "same"}
    )
    assert other_path.status_code == 201


async def test_in_flight_duplicate_is_409(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = await account_factory()
    release = asyncio.Event()
    original = HANDLERS["teams_create"]

    async def slow(call: Call) -> Reply:
        await release.wait()
        return await original(call)

    monkeypatch.setitem(HANDLERS, "teams_create", slow)
    headers = {**root.cookie, "Idempotency-Key": "slow"}
    first = asyncio.ensure_future(client.post("/auth/teams", json={"name": "s"}, headers=headers))
    await asyncio.sleep(0.05)
    second = await client.post("/auth/teams", json={"name": "s"}, headers=headers)
    release.set()
    assert second.status_code == 409
    assert (await first).status_code == 201
    third = await client.post("/auth/teams", json={"name": "s"}, headers=headers)
    assert third.headers["idempotent-replayed"] == "true"


async def test_twenty_parallel_same_key_creates_make_one_resource(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    headers = {**root.cookie, "Idempotency-Key": "parallel"}
    responses = await asyncio.gather(
        *(client.post("/auth/iam/users", json={"name": "p"}, headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1
    assert len((await client.get("/auth/iam/users", headers=root.cookie)).json()["iam_users"]) == 1


async def test_expired_key_is_forgotten_after_24_hours(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    headers = {**root.cookie, "Idempotency-Key": "old"}
    await client.post("/auth/teams", json={"name": "x1"}, headers=headers)
    app.ctx.clock.advance(86401)
    root_again = await client.post("/auth/login", json={"email": root.email, "password": "correct horse battery"})
    fresh = {"Cookie": root_again.headers["set-cookie"].split(";")[0], "Idempotency-Key": "old"}
    response = await client.post("/auth/teams", json={"name": "x2"}, headers=fresh)
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
