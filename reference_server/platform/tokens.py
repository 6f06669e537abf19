"""RS256 access tokens: issue, verify (RFC 8725 best practices) and publish the JWKS.

Verifying RS256 on every request would cost about three quarters of the server's throughput, so a verified
token is cached (bounded, FIFO) together with the principal it names; a cache hit still re-checks expiry and
revocation (logout, session revoke, refresh-token reuse, IAM user deletion), so caching never extends a token's
life.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reference_server.settings import Settings

__all__ = ["TokenError", "TokenService", "VerifiedToken"]

_REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti"]
_IAT_FUTURE_LEEWAY = 60.0


class TokenError(Exception):
    """The token is not an access token this server issued, or it is no longer valid."""


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    account_id: str
    kind: str  # root | iam_user
    session_id: str | None
    expires_at: float
    jti: str
    # Exchanged tokens name the access key they came from and its version: they end with it (spec:
    # iam_exchange_credentials), checked by the authenticator against the key as it is now.
    access_key_id: str | None = None
    access_key_version: int = 0


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _load_key(settings: Settings) -> rsa.RSAPrivateKey:
    if settings.signing_key_path is None:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = serialization.load_pem_private_key(Path(settings.signing_key_path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise ValueError(f"{settings.signing_key_path}: the signing key must be an RSA private key of >= 2048 bits")
    return key


class TokenService:
    def __init__(self, settings: Settings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock
        self._private = _load_key(settings)
        self._public = self._private.public_key()
        numbers = self._public.public_numbers()
        # A kid derived from the key itself: the same PEM always publishes the same kid.
        self.kid = "cnx-" + hashlib.sha256(_b64(numbers.n).encode()).hexdigest()[:16]
        self._jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
        }
        self._cache: dict[str, VerifiedToken] = {}
        self._revoked_sessions: set[str] = set()
        self._revoked_principals: set[str] = set()
        # When each revocation may be forgotten: once every token it covers has expired anyway.
        self._forget: deque[tuple[float, set[str], str]] = deque()
        self._covers = float(max(settings.access_token_seconds, settings.exchange_token_seconds))

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self._jwk)]}

    def issue(
        self,
        subject: str,
        account_id: str,
        kind: str,
        lifetime: int,
        session_id: str | None = None,
        access_key: tuple[str, int] | None = None,
    ) -> str:
        self._purge()
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": subject,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(16),
            "acc": account_id,
            "pty": kind,
        }
        if session_id is not None:
            claims["sid"] = session_id
        if access_key is not None:
            claims["akid"], claims["akv"] = access_key
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def revoke_session(self, session_id: str) -> None:
        self._revoke(self._revoked_sessions, session_id)

    def revoke_principal(self, principal_id: str) -> None:
        self._revoke(self._revoked_principals, principal_id)

    def _revoke(self, revoked: set[str], name: str) -> None:
        self._purge()
        revoked.add(name)
        self._forget.append((self._clock() + self._covers + _IAT_FUTURE_LEEWAY, revoked, name))

    def _purge(self) -> None:
        now = self._clock()
        while self._forget and self._forget[0][0] <= now:
            _, revoked, name = self._forget.popleft()
            revoked.discard(name)

    def revocations(self) -> int:
        """Revocations still remembered (each is forgotten once no token it covers can still be valid)."""
        self._purge()
        return len(self._revoked_sessions) + len(self._revoked_principals)

    def _still_valid(self, token: VerifiedToken) -> bool:
        return (
            token.expires_at > self._clock()
            and token.subject not in self._revoked_principals
            and (token.session_id is None or token.session_id not in self._revoked_sessions)
        )

    def verify(self, token: str) -> VerifiedToken:
        cached = self._cache.get(token)
        if cached is not None:
            if self._still_valid(cached):
                return cached
            del self._cache[token]
            raise TokenError("token expired or revoked")
        verified = self._verify_signature(token)
        if not self._still_valid(verified):
            raise TokenError("token expired or revoked")
        if len(self._cache) >= self._settings.token_cache_size:
            # FIFO eviction keeps the cache bounded; an evicted token is simply verified again.
            del self._cache[next(iter(self._cache))]
        self._cache[token] = verified
        return verified

    def _verify_signature(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
            # RFC 8725 §3.1/§3.10: the algorithm is fixed and keys come only from our own JWKS (kid),
            # never from jku/x5u/jwk headers, which are ignored.
            if header.get("alg") != "RS256" or header.get("kid") != self.kid:
                raise TokenError("unknown key or algorithm")
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["RS256"],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                # Expiry is checked against the server clock (which tests can move), not PyJWT's.
                options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(f"invalid token: {exc}") from exc
        try:
            iat, exp = float(claims["iat"]), float(claims["exp"])
            verified = VerifiedToken(
                subject=str(claims["sub"]),
                account_id=str(claims["acc"]),
                kind=str(claims["pty"]),
                session_id=str(claims["sid"]) if claims.get("sid") else None,
                expires_at=exp,
                jti=str(claims["jti"]),
                access_key_id=str(claims["akid"]) if claims.get("akid") else None,
                access_key_version=int(claims.get("akv", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenError("token lacks CloudNx claims") from exc
        if iat > self._clock() + _IAT_FUTURE_LEEWAY or verified.kind not in ("root", "iam_user"):
            raise TokenError("token issued in the future or for an unknown principal type")
        return verified
