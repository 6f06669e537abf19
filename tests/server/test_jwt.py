"""Access tokens: claims, JWKS, and the RFC 8725 attacks (alg none, HS256 keyed with the public key,
tampered signature, expiry, foreign kid, jku/x5u/jwk injection)."""

from __future__ import annotations

import base64
import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reference_server.app import PlatformApp

from .conftest import Account, AccountFactory

pytestmark = [pytest.mark.server, pytest.mark.anyio]


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def parts(token: str) -> tuple[dict[str, object], dict[str, object]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


async def me_status(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code


async def test_claims_and_lifetime(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    account: Account = await account_factory()
    header, claims = parts(account.access)
    assert header["alg"] == "RS256"
    assert header["kid"]
    assert {"iss", "aud", "sub", "iat", "exp", "jti"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 900  # type: ignore[operator]
    assert claims["sub"] == account.user_id


async def test_jwks_verifies_tokens_and_has_no_private_members(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    account: Account = await account_factory()
    keys = (await client.get("/auth/.well-known/jwks.json")).json()["keys"]
    assert all(not {"d", "p", "q", "dp", "dq", "qi"} & set(k) for k in keys)
    header, claims = parts(account.access)
    jwk = next(k for k in keys if k["kid"] == header["kid"])
    public = jwt.PyJWK(jwk).key
    jwt.decode(account.access, public, algorithms=["RS256"], audience=claims["aud"], issuer=claims["iss"])


async def test_alg_none_is_refused(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    account: Account = await account_factory()
    header, claims = parts(account.access)
    forged = f"{b64({**header, 'alg': 'none'})}.{b64(claims)}."
    assert await me_status(client, forged) == 401


async def test_hs256_keyed_with_the_public_key_is_refused(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    account: Account = await account_factory()
    header, claims = parts(account.access)
    jwk = (await client.get("/auth/.well-known/jwks.json")).json()["keys"][0]
    pem = jwt.PyJWK(jwk).key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64({**header, 'alg': 'HS256'})}.{b64({**claims, 'jti': 'forged'})}"
    import hashlib
    import hmac

    signature = base64.urlsafe_b64encode(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    forged = signing_input + "." + signature.decode().rstrip("=")
    assert await me_status(client, forged) == 401


async def test_tampered_payload_and_signature_are_refused(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    alice: Account = await account_factory()
    bob: Account = await account_factory()
    head, payload, signature = alice.access.split(".")
    _, claims = parts(alice.access)
    swapped = f"{head}.{b64({**claims, 'sub': bob.user_id, 'acc': bob.account_id})}.{signature}"
    assert await me_status(client, swapped) == 401
    flipped = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    assert await me_status(client, f"{head}.{payload}.{flipped}") == 401


async def test_expired_token_is_refused(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    account: Account = await account_factory()
    assert await me_status(client, account.access) == 200  # now cached: the cache must still honour expiry
    app.ctx.clock.advance(901)
    assert await me_status(client, account.access) == 401


async def test_foreign_key_and_header_injection_are_refused(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    account: Account = await account_factory()
    header, claims = parts(account.access)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key()))
    for extra in ({"jku": "http://127.0.0.1:1/jwks.json"}, {"x5u": "http://127.0.0.1:1/cert"}, {"jwk": jwk}, {}):
        forged = jwt.encode(
            {**claims, "iat": int(time.time())}, attacker, algorithm="RS256", headers={**header, **extra}
        )
        assert await me_status(client, forged) == 401, extra
    other_kid = jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": "attacker"})
    assert await me_status(client, other_kid) == 401
