"""JWT and JWKS: header and claims, the 900-second lifetime, and the attacks of RFC 8725.

Seed "Authentication" (one RS256 JWT, 15-minute tokens); spec ``components.securitySchemes.bearerAuth`` (only
RS256; alg none and HMAC refused; kid must name a JWKS key; jku/x5u/jwk ignored; iss, aud, exp, iat, sub
required); RFC 8725 §2.1, §3.1, §3.10; RFC 7517 §9.3 (no private members in a published key).
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from conformance.checks import check
from conformance.contract import Contract
from conformance.identities import Account
from conformance.suite.support import describe, documented

PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def _is_jwt(value: str) -> bool:
    try:
        jwt.get_unverified_header(value)
    except jwt.InvalidTokenError:
        return False
    return value.count(".") == 2


@pytest.fixture
def tokens(raw: httpx.Client, alice: Account, contract: Contract) -> dict[str, str]:
    """alice's exchange token (access key), and her cookie access token when the cookie carries the JWT itself.

    The seed says both ways in "produce the same JWT internally": a cookie value may be an opaque handle, so
    the JWT checks judge the bearer token always and the cookie only when it is a JWT.
    """
    exchange = raw.post(
        contract.url("iam_exchange_credentials"),
        json={"access_key_id": alice.admin.access_key_id, "secret_access_key": alice.admin.secret},
    )
    found = {"exchange": exchange.json()["access_token"]}
    # Positive control: the genuine token is accepted, so every refusal of a forgery below is the forgery's doing
    # (a target refusing all bearer tokens would otherwise pass the whole battery).
    genuine = raw.get(contract.url("auth_me_get"), headers={"Authorization": f"Bearer {found['exchange']}"})
    assert genuine.status_code == contract.op("auth_me_get").success_status, (
        f"the genuine exchange token must be accepted before its forgeries mean anything: {describe(genuine)}"
    )
    login = raw.post(contract.url("auth_login"), json={"email": alice.email, "password": alice.password})
    for header in login.headers.get_list("set-cookie"):
        if header.startswith("cnx_access=") and _is_jwt(value := header.split("=", 1)[1].split(";", 1)[0]):
            found["cookie"] = value
    return found


@pytest.fixture
def jwks(raw: httpx.Client, contract: Contract) -> dict[str, Any]:
    response = raw.get(contract.url("auth_jwks"))
    assert response.status_code == contract.op("auth_jwks").success_status, describe(response)
    return dict(response.json())


def _rejected(raw: httpx.Client, contract: Contract, token: str, what: str) -> None:
    response = raw.get(contract.url("auth_me_get"), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == documented(contract, "auth_me_get", "Unauthorized"), (
        f"{what} must be refused with 401 (RFC 8725; spec bearerAuth): {describe(response)}"
    )


@check("JWT-HEADER-CLAIMS")
def test_tokens_are_rs256_with_a_published_kid_and_required_claims(
    tokens: dict[str, str], jwks: dict[str, Any]
) -> None:
    keys = {k["kid"]: k for k in jwks["keys"]}
    for source, token in tokens.items():
        header = jwt.get_unverified_header(token)
        assert header.get("alg") == "RS256", f"{source} token: alg {header.get('alg')!r}, only RS256 is allowed"
        assert header.get("kid") in keys, f"{source} token: kid {header.get('kid')!r} is not in the JWKS"
        key = RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]]))
        claims = jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})  # type: ignore[arg-type]
        missing = [c for c in ("iss", "aud", "sub", "iat", "exp", "jti") if c not in claims]
        assert not missing, f"{source} token lacks claims {missing} (RFC 8725 §3.8-3.10; spec bearerAuth)"


@check("JWT-LIFETIME")
def test_token_lifetime_is_fifteen_minutes(tokens: dict[str, str], contract: Contract) -> None:
    lifetimes = contract.lifetimes
    for source, expected in (
        ("cookie", lifetimes.access_token_seconds),
        ("exchange", lifetimes.exchange_token_seconds),
    ):
        if source not in tokens:
            continue  # an opaque cookie: its 15 minutes are judged by COOKIE-LIFETIME
        assert jwt.get_unverified_header(tokens[source]).get("alg") == "RS256", f"{source} token is not RS256"
        claims = jwt.decode(tokens[source], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == expected, (
            f"{source} token: exp - iat = {claims['exp'] - claims['iat']}, the seed says 15 minutes ({expected} s)"
        )


@check("JWT-JWKS-PUBLIC-ONLY")
def test_published_keys_are_public_only(raw: httpx.Client, contract: Any) -> None:
    response = raw.get(contract.url("auth_jwks"))
    if response.status_code != contract.op("auth_jwks").success_status:
        return  # no key set published, so none leaked (whether one must be published is JWT-JWKS's business)
    keys = response.json().get("keys")
    for key in keys if isinstance(keys, list) else []:
        leaked = [m for m in PRIVATE_MEMBERS if isinstance(key, dict) and m in key]
        assert not leaked, (
            f"JWKS key {key.get('kid')} publishes private members {leaked}: anyone can sign tokens the target "
            "accepts (RFC 7517 §9.3)"
        )


@check("JWT-JWKS")
def test_jwks_is_well_formed(jwks: dict[str, Any]) -> None:
    assert isinstance(jwks.get("keys"), list) and jwks["keys"], f"JWKS without keys: {jwks}"
    for key in jwks["keys"]:
        assert key.get("kty") == "RSA" and key.get("kid") and key.get("n") and key.get("e"), f"malformed JWK {key}"
        public = RSAAlgorithm.from_jwk(json.dumps(key))
        assert isinstance(public, rsa.RSAPublicKey) and public.key_size >= 2048, "RS256 keys are >= 2048 bits"


@check("JWT-ALG-NONE")
def test_alg_none_is_refused(raw: httpx.Client, contract: Contract, tokens: dict[str, str]) -> None:
    header = jwt.get_unverified_header(tokens["exchange"])
    claims = jwt.decode(tokens["exchange"], options={"verify_signature": False})
    for alg in ("none", "None", "NONE"):
        forged = f"{_segment({**header, 'alg': alg})}.{_segment(claims)}."
        _rejected(raw, contract, forged, f"an unsigned token (alg {alg!r})")


@check("JWT-KEY-CONFUSION")
def test_hs256_with_the_public_key_is_refused(
    raw: httpx.Client, contract: Contract, tokens: dict[str, str], jwks: dict[str, Any]
) -> None:
    header = jwt.get_unverified_header(tokens["exchange"])
    claims = jwt.decode(tokens["exchange"], options={"verify_signature": False})
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = RSAAlgorithm.from_jwk(json.dumps(key))
    assert isinstance(public, rsa.RSAPublicKey)
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for secret in (pem, pem.strip()):
        signing_input = f"{_segment({**header, 'alg': 'HS256'})}.{_segment(claims)}"
        signature = _b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
        _rejected(raw, contract, f"{signing_input}.{signature}", "HS256 signed with the RSA public key")


@check("JWT-TAMPERED")
def test_tampered_tokens_are_refused(raw: httpx.Client, contract: Contract, tokens: dict[str, str]) -> None:
    header_b64, claims_b64, signature = tokens["exchange"].split(".")
    claims = jwt.decode(tokens["exchange"], options={"verify_signature": False})
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    _rejected(raw, contract, f"{header_b64}.{claims_b64}.{flipped}", "a token with a modified signature")
    longer = {**claims, "exp": claims["exp"] + 86400}
    _rejected(raw, contract, f"{header_b64}.{_segment(longer)}.{signature}", "a token with a modified exp")
    expired = {**claims, "exp": claims["iat"] - 60}
    _rejected(raw, contract, f"{header_b64}.{_segment(expired)}.{signature}", "an expired (re-dated) token")


@check("JWT-HEADER-INJECTION")
def test_kid_jku_x5u_and_embedded_keys_are_not_trusted(
    raw: httpx.Client, contract: Contract, tokens: dict[str, str]
) -> None:
    header = jwt.get_unverified_header(tokens["exchange"])
    claims = jwt.decode(tokens["exchange"], options={"verify_signature": False})
    ours = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(ours.public_key()))
    # Loopback only: the server must never fetch these, and nothing listens there anyway.
    tricks = {
        "embedded jwk": {"jwk": jwk, "kid": header["kid"]},
        "jku": {"jku": "http://127.0.0.1:9/jwks.json", "kid": "attacker"},
        "x5u": {"x5u": "http://127.0.0.1:9/cert.pem", "kid": "attacker"},
        "unknown kid": {"kid": "../../../../dev/null"},
    }
    for what, extra in tricks.items():
        forged = jwt.encode(claims, ours, algorithm="RS256", headers={"typ": "JWT", **extra})
        _rejected(raw, contract, forged, f"a token signed by a foreign key ({what})")
