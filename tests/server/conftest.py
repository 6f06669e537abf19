"""Fixtures for the reference server's own tests: an in-process app per test, driven through httpx's ASGI
transport (same requests as over the wire, without sockets), plus an account bootstrapper.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from reference_server.app import PlatformApp, create_app
from reference_server.settings import Settings

from .s3_support import DataPlane, boto, close_clients, serve

CLIENT_ADDRESS = ("127.0.0.1", 40000)
PASSWORD = "correct horse battery"
_emails = itertools.count(1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def make_app(**options: Any) -> PlatformApp:
    """A fresh server; the rate limit is lifted unless a test sets it, so only limiter tests meet 429."""
    options.setdefault("rate_limit", 100000)
    options.setdefault("debug_validation", True)
    return create_app(Settings.load(options, environ={}))


def client_for(app: PlatformApp, address: tuple[str, int] = CLIENT_ADDRESS) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=address)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
def app() -> PlatformApp:
    return make_app()


@pytest.fixture
async def client(app: PlatformApp) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@dataclass
class Account:
    email: str
    account_id: str
    user_id: str
    session_id: str
    access: str  # the cnx_access JWT
    refresh: str

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"cnx_access={self.access}"}

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


def cookie_value(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


async def new_account(client: httpx.AsyncClient, email: str | None = None) -> Account:
    email = email or f"user{next(_emails)}@example.com"
    signup = await client.post("/auth/signup", json={"email": email, "password": PASSWORD})
    assert signup.status_code == 201, signup.text
    login = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    body = login.json()
    return Account(
        email=email,
        account_id=body["principal"]["account_id"],
        user_id=body["principal"]["id"],
        session_id=body["session_id"],
        access=cookie_value(login, "cnx_access"),
        refresh=cookie_value(login, "cnx_refresh"),
    )


AccountFactory = Callable[..., Awaitable[Account]]


@pytest.fixture
def account_factory(client: httpx.AsyncClient) -> AccountFactory:
    async def factory(email: str | None = None) -> Account:
        return await new_account(client, email)

    return factory


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[DataPlane, str]]:
    """The S3 data plane served on loopback for one module (a module that seeds objects defines its own)."""
    plane = DataPlane()
    with serve(plane.app) as base:
        yield plane, base
    close_clients()


@pytest.fixture
def s3(live: tuple[DataPlane, str]) -> Any:
    """A boto3 client with the read-write key of ``live``'s data plane."""
    plane, base = live
    return boto(f"{base}/s3", plane.rw)
