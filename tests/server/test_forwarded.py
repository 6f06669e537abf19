"""X-Forwarded-For is believed only from the proxies named by ``--forwarded-allow-ips`` (default: none), over
real HTTP since the forwarded headers are the HTTP server's business: otherwise any client could rotate it to
escape the anonymous rate limit, satisfy a ``cnx:SourceIp`` condition, or forge the audit log's source_ip."""

from __future__ import annotations

import httpx
import pytest

from .loopback import serve

pytestmark = pytest.mark.server
PASSWORD = "correct horse battery"
FORGED = "203.0.113.9"


def _root_cookie(client: httpx.Client, email: str) -> dict[str, str]:
    assert client.post("/auth/signup", json={"email": email, "password": PASSWORD}).status_code == 201
    login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    return {"Cookie": login.headers.get_list("set-cookie")[0].split(";", 1)[0]}


def _audited_source_ips(client: httpx.Client, cookie: dict[str, str], forwarded: str) -> set[str]:
    created = client.post("/auth/teams", json={"name": "fwd"}, headers={**cookie, "X-Forwarded-For": forwarded})
    assert created.status_code == 201, created.text
    events = client.get("/auth/audit-logs", headers=cookie).json()["events"]
    return {e["source_ip"] for e in events if e["path"] == "/auth/teams"}


def test_forwarded_for_is_ignored_by_default() -> None:
    with serve("--rate-limit", "5") as url, httpx.Client(base_url=url) as client:
        statuses = [
            client.post(
                "/auth/iam/exchange-credentials",
                json={"access_key_id": "CNXKAAAAAAAAAAAAAAAA", "secret_access_key": "x" * 40},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
            for n in range(12)
        ]
        # A rotating X-Forwarded-For must not give each request a fresh anonymous budget.
        assert 429 in statuses, statuses
    with serve("--rate-limit", "1000") as url, httpx.Client(base_url=url) as client:
        cookie = _root_cookie(client, "fwd-default@example.com")
        assert _audited_source_ips(client, cookie, FORGED) == {"127.0.0.1"}


def test_forwarded_for_is_believed_from_a_configured_proxy() -> None:
    with serve("--rate-limit", "1000", "--forwarded-allow-ips", "127.0.0.1") as url, httpx.Client(base_url=url) as c:
        cookie = _root_cookie(c, "fwd-proxy@example.com")
        assert _audited_source_ips(c, cookie, FORGED) == {FORGED}


def _bearer_allowed_only_from(client: httpx.Client, cookie: dict[str, str], network: str) -> dict[str, str]:
    """A bearer token of an IAM user whose only policy allows everything from ``network`` (cnx:SourceIp)."""
    user = client.post("/auth/iam/users", json={"name": "from-net"}, headers=cookie).json()
    condition = {"IpAddress": {"cnx:SourceIp": network}}
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}],
    }
    policy = client.post("/auth/iam/policies", json={"name": "net", "document": document}, headers=cookie).json()
    attached = client.put(f"/auth/iam/users/{user['id']}/policies/{policy['id']}", headers=cookie)
    assert attached.status_code < 300, attached.text
    key = client.post(f"/auth/iam/users/{user['id']}/access-keys", json={}, headers=cookie).json()
    body = {"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]}
    exchanged = client.post("/auth/iam/exchange-credentials", json=body)
    assert exchanged.status_code == 200, exchanged.text
    return {"Authorization": f"Bearer {exchanged.json()['access_token']}"}


@pytest.mark.parametrize(("proxies", "expected"), [((), 403), (("--forwarded-allow-ips", "127.0.0.1"), 200)])
def test_source_ip_conditions_see_forwarded_for_only_from_a_configured_proxy(
    proxies: tuple[str, ...], expected: int
) -> None:
    # The condition names the forged network: from an untrusted peer the header is ignored and IAM sees 127.0.0.1.
    with serve("--rate-limit", "1000", *proxies) as url, httpx.Client(base_url=url) as client:
        cookie = _root_cookie(client, f"fwd-iam-{len(proxies)}@example.com")
        bearer = _bearer_allowed_only_from(client, cookie, "203.0.113.0/24")
        listed = client.get("/compute/vpcs", headers={**bearer, "X-Forwarded-For": FORGED})
        assert listed.status_code == expected, listed.text
