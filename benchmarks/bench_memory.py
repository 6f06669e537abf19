"""Memory of the reference server under a flood of state (a script, not a timed test): prints RSS as it grows,
to show it reaching a plateau at the configured bounds instead of growing with the traffic.

In-process (the ASGI app called directly, no sockets, so the figures are the server's own), one process:

1. ``--users`` IAM users (10 root accounts share them: an account holds at most 1,000 resources of a type), each
   with an exchanged bearer token and an allow-all policy; then ``--keys`` idempotent requests spread over them
   (``DELETE /auth/teams/<missing id>`` with a fresh ``Idempotency-Key``: a small stored 404, no resource made).
   The records are capped at ``idempotency_max_records`` (default 200,000), least recently used forgotten first.
2. One user logging in ``--logins`` times (sessions capped per user) and one session refreshed ``--refreshes``
   times (rotated refresh tokens capped per session).

Usage: python benchmarks/bench_memory.py [--users 10000] [--keys 1000000] [--logins 300] [--refreshes 20000]
       [--set idempotency_max_records=100000 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import uuid
from pathlib import Path
from typing import Any

from reference_server.app import PlatformApp, create_app
from reference_server.platform import platform_of
from reference_server.platform.idempotency import KIND as IDEMPOTENCY
from reference_server.platform.sessions import REFRESH, SESSION
from reference_server.settings import Settings

PASSWORD = "correct horse battery"  # noqa: S105 - a throwaway account of an in-process server
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
PER_ACCOUNT = 1000


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Driver:
    """Calls the ASGI app like a server would: one scope, the body in one message, the answer collected."""

    def __init__(self, app: PlatformApp) -> None:
        self.app = app

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        head = [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
        ]
        head += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": head,
            "client": ("127.0.0.1", 40000),
            "server": ("bench", 80),
        }
        sent = False
        status, out_headers, chunks = 0, {}, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for k, v in message.get("headers", []):
                    name = k.decode().lower()
                    # Set-Cookie repeats: keep them all, one per line.
                    out_headers[name] = f"{out_headers[name]}\n{v.decode()}" if name in out_headers else v.decode()
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        body_bytes = b"".join(chunks)
        return status, out_headers, json.loads(body_bytes) if body_bytes else None


async def root_cookie(driver: Driver, email: str) -> dict[str, str]:
    await driver.call("POST", "/auth/signup", {"email": email, "password": PASSWORD})
    _, headers, _ = await driver.call("POST", "/auth/login", {"email": email, "password": PASSWORD})
    return {"cookie": _cookie(headers, "cnx_access")}


def _cookie(headers: dict[str, str], name: str) -> str:
    return next(c for c in headers["set-cookie"].split("\n") if c.startswith(name + "=")).split(";", 1)[0]


class Bearers:
    """One exchanged bearer token per IAM user, exchanged again when it expires (15 minutes), as a client would."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.exchanges: list[dict[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self.renewed = 0

    def __len__(self) -> int:
        return len(self.headers)

    async def add(self, exchange: dict[str, str]) -> None:
        self.exchanges.append(exchange)
        self.headers.append({})
        await self.renew(len(self.headers) - 1)

    async def renew(self, n: int) -> None:
        status, _, token = await self.driver.call("POST", "/auth/iam/exchange-credentials", self.exchanges[n])
        if status != 200:
            raise SystemExit(f"exchange-credentials answered {status}")
        self.headers[n] = {"authorization": f"Bearer {token['access_token']}"}
        self.renewed += 1


async def bearer_tokens(driver: Driver, users: int) -> Bearers:
    tokens = Bearers(driver)
    cookie: dict[str, str] = {}
    policy_id = ""
    for n in range(users):
        if n % PER_ACCOUNT == 0:
            cookie = await root_cookie(driver, f"bench{n // PER_ACCOUNT}@example.com")
            _, _, policy = await driver.call(
                "POST", "/auth/iam/policies", {"name": "all", "document": ALLOW_ALL}, cookie
            )
            policy_id = policy["id"]
        _, _, user = await driver.call("POST", "/auth/iam/users", {"name": f"u{n}"}, cookie)
        await driver.call("PUT", f"/auth/iam/users/{user['id']}/policies/{policy_id}", None, cookie)
        _, _, key = await driver.call("POST", f"/auth/iam/users/{user['id']}/access-keys", {}, cookie)
        await tokens.add({"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]})
    tokens.renewed = 0
    return tokens


def report(app: PlatformApp, label: str, started: float) -> None:
    gc.collect()
    store = app.ctx.store
    keys, stored = len(platform_of(app.ctx).idempotency), len(store.scan(IDEMPOTENCY))
    print(
        f"  {label:>22}  RSS {rss_mib():7.1f} MiB  idempotency records {keys:7d} (store {stored:7d})"
        f"  {time.monotonic() - started:6.0f} s",
        flush=True,
    )


async def flood_keys(driver: Driver, app: PlatformApp, tokens: Bearers, keys: int, every: int) -> None:
    started = time.monotonic()
    report(app, "0 keys", started)
    for n in range(keys):
        user = n % len(tokens)
        headers = {**tokens.headers[user], "idempotency-key": uuid.uuid4().hex}
        status, _, _ = await driver.call("DELETE", "/auth/teams/team-0123456789abcdef", None, headers)
        if status == 401:  # the 15-minute token expired on a slow machine: exchange again, retry once
            await tokens.renew(user)
            headers = {**tokens.headers[user], "idempotency-key": uuid.uuid4().hex}
            status, _, _ = await driver.call("DELETE", "/auth/teams/team-0123456789abcdef", None, headers)
        if status != 404:
            raise SystemExit(f"unexpected status {status} for request {n}")
        if (n + 1) % every == 0:
            report(app, f"{n + 1:,} keys", started)
    if tokens.renewed:
        print(f"  ({tokens.renewed:,} expired bearer tokens exchanged again on the way)")


async def churn_sessions(driver: Driver, app: PlatformApp, logins: int, refreshes: int) -> None:
    _, _, user = await driver.call("POST", "/auth/signup", {"email": "churn@example.com", "password": PASSWORD})
    user_id = user["id"]
    refresh = ""
    for _ in range(logins):
        _, headers, _ = await driver.call("POST", "/auth/login", {"email": "churn@example.com", "password": PASSWORD})
        refresh = _cookie(headers, "cnx_refresh")
    kept = len(app.ctx.store.scan(SESSION, where=lambda r: r["principal_id"] == user_id))
    print(f"  {logins} logins of one user: {kept} of its sessions kept (cap per user)")
    start = rss_mib()
    session_id = app.ctx.store.scan(REFRESH, where=lambda r: r["status"] == "current")[-1]["session_id"]
    for _ in range(refreshes):
        status, headers, _ = await driver.call("POST", "/auth/refresh", None, {"cookie": refresh})
        if status != 200:
            raise SystemExit(f"refresh answered {status}")
        refresh = _cookie(headers, "cnx_refresh")
    chain = len(app.ctx.store.scan(REFRESH, where=lambda r: r["session_id"] == session_id))
    print(
        f"  {refreshes} refreshes of one session: {chain} of its refresh tokens kept, "
        f"revocations remembered {platform_of(app.ctx).tokens.revocations()}, RSS {start:.1f} -> {rss_mib():.1f} MiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=50_000, help="print RSS every N keys")
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--refreshes", type=int, default=20_000)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="a server setting")
    args = parser.parse_args()
    options: dict[str, Any] = {"rate_limit": 1_000_000_000}
    options.update(dict(item.split("=", 1) for item in args.set))
    app = create_app(Settings.load(options, environ={}))
    driver = Driver(app)
    settings = app.ctx.settings
    print(
        f"bounds: idempotency {settings.idempotency_max_per_principal:,}/principal, "
        f"{settings.idempotency_max_records:,} in all; sessions {settings.sessions_max_per_user}/user; "
        f"refresh tokens kept {settings.refresh_tokens_kept}/session; RSS at start {rss_mib():.1f} MiB"
    )
    started = time.monotonic()
    tokens = asyncio.run(bearer_tokens(driver, args.users))
    print(f"{args.users:,} IAM users with tokens in {time.monotonic() - started:.0f} s; RSS {rss_mib():.1f} MiB")
    asyncio.run(flood_keys(driver, app, tokens, args.keys, args.every))
    asyncio.run(churn_sessions(driver, app, args.logins, args.refreshes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
