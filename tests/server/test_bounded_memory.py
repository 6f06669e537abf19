"""Memory stays bounded whatever clients do, with documented behaviour when a bound is reached:

- idempotency records: at most ``idempotency_max_per_principal`` per principal and ``idempotency_max_records``
  overall; past either, the least recently used record is forgotten (a retry with that key then runs as new);
  expired ones (24 h) are purged;
- sessions: at most ``sessions_max_per_user`` open per user (a new login ends the oldest); expired and ended
  sessions are purged with their refresh tokens; a session keeps at most ``refresh_tokens_kept`` rotated tokens;
- revocations (logout, session revoke, IAM user deletion) are forgotten once no token they cover can still be valid.
"""

from __future__ import annotations

import httpx
import pytest

from reference_server.app import PlatformApp
from reference_server.platform import platform_of
from reference_server.platform.idempotency import KIND as IDEMPOTENCY
from reference_server.platform.sessions import REFRESH, SESSION

from .conftest import PASSWORD, Account, client_for, cookie_value, make_app, new_account

pytestmark = [pytest.mark.server, pytest.mark.anyio]


def _count(app: PlatformApp, kind: str) -> int:
    return len(app.ctx.store.scan(kind))


async def _create(client: httpx.AsyncClient, who: Account, key: str) -> httpx.Response:
    headers = {**who.cookie, "Idempotency-Key": key}
    return await client.post("/auth/teams", json={"name": f"t-{key}"}, headers=headers)


async def test_idempotency_records_are_capped_per_principal_and_overall() -> None:
    app = make_app(idempotency_max_per_principal=5, idempotency_max_records=8)
    async with client_for(app) as client:
        alice, bob = await new_account(client), await new_account(client)
        first = await _create(client, alice, "a0")
        for n in range(1, 7):
            await _create(client, alice, f"a{n}")
        assert _count(app, IDEMPOTENCY) == 5
        # The newest keys replay; the oldest was forgotten, so its retry runs again as a new request.
        assert (await _create(client, alice, "a6")).headers.get("idempotent-replayed") == "true"
        again = await _create(client, alice, "a0")
        assert again.headers.get("idempotent-replayed") is None
        assert first.status_code == 201
        assert again.status_code == 409, again.text  # executed again: the team it created the first time exists
        for n in range(6):
            await _create(client, bob, f"b{n}")
        assert _count(app, IDEMPOTENCY) == 8


async def test_idempotency_records_expire_and_are_purged() -> None:
    app = make_app()
    async with client_for(app) as client:
        alice = await new_account(client)
        for n in range(3):
            await _create(client, alice, f"k{n}")
        assert _count(app, IDEMPOTENCY) == 3
        app.ctx.clock.advance(app.ctx.settings.idempotency_key_seconds + 1)
        login = await client.post("/auth/login", json={"email": alice.email, "password": PASSWORD})
        fresh = Account(**{**alice.__dict__, "access": cookie_value(login, "cnx_access")})
        await _create(client, fresh, "after")
        assert _count(app, IDEMPOTENCY) == 1


async def test_sessions_are_capped_per_user_and_the_oldest_ends() -> None:
    app = make_app(sessions_max_per_user=2)
    async with client_for(app) as client:
        alice = await new_account(client)  # its login is session 1
        logins = [
            await client.post("/auth/login", json={"email": alice.email, "password": PASSWORD}) for _ in range(2)
        ]
        assert (await client.get("/auth/me", headers=alice.cookie)).status_code == 401  # session 1 ended
        newest = {"Cookie": f"cnx_access={cookie_value(logins[-1], 'cnx_access')}"}
        listed = (await client.get("/auth/sessions", headers=newest)).json()["sessions"]
        assert len(listed) == 2
        assert _count(app, SESSION) == 2


async def test_ended_sessions_refresh_tokens_and_revocations_are_purged() -> None:
    app = make_app(refresh_tokens_kept=2)
    tokens = platform_of(app.ctx).tokens
    async with client_for(app) as client:
        alice = await new_account(client)
        refresh = alice.refresh
        for _ in range(4):
            rotated = await client.post("/auth/refresh", headers={"Cookie": f"cnx_refresh={refresh}"})
            assert rotated.status_code == 200, rotated.text
            refresh = cookie_value(rotated, "cnx_refresh")
        assert _count(app, REFRESH) == 3  # the current one and two rotated ones kept for reuse detection
        bob = await new_account(client)
        assert (await client.post("/auth/logout", headers=bob.cookie)).status_code == 200
        assert tokens.revocations() == 1
        # Past the access tokens' lifetime nothing the revocation covers can be valid; past the refresh lifetime the
        # sessions themselves have expired: both are purged by the next login.
        app.ctx.clock.advance(app.ctx.settings.refresh_token_seconds + 1)
        await client.post("/auth/login", json={"email": alice.email, "password": PASSWORD})
        assert tokens.revocations() == 0
        assert _count(app, SESSION) == 1
        assert _count(app, REFRESH) == 1
