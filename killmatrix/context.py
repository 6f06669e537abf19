"""What the faults know about the traffic: who is calling, who owns what, the secrets shown once, the JWT key.

The fault wrapper sits in front of the reference server like a compromised proxy would: it sees every
exchange, so it learns access-key secrets from create responses (shown once, seed "Authentication") and
resource owners from the ``account_id`` that every resource carries. It also holds the server's RS256 key
(killmatrix generates it and hands it to the server through its ``signing_key_path`` setting), so a fault can
make the server accept a token it should refuse by re-signing it.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from killmatrix.wire import Request, Response

__all__ = ["Context", "decode_unverified", "jwt_parts"]

_SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(header, claims) of a compact JWS, without verifying anything; None when it is not one."""
    pieces = token.split(".")
    if len(pieces) != 3:
        return None
    try:
        header = json.loads(_b64url_decode(pieces[0]))
        claims = json.loads(_b64url_decode(pieces[1]))
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims


def decode_unverified(token: str) -> dict[str, Any]:
    parts = jwt_parts(token)
    return parts[1] if parts else {}


class Context:
    """Shared, mutable knowledge of one fault-injected server process."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._key_dir = tempfile.TemporaryDirectory(prefix="killmatrix-")
        self.key_path = Path(self._key_dir.name) / "signing-key.pem"
        self.key_path.write_bytes(pem)
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid: str | None = None  # learned from the first genuine token seen
        self.secrets: dict[str, str] = {}  # access key id -> secret (IAM and per-bucket keys)
        self.owners: dict[str, str] = {}  # resource id -> account_id
        self.accounts: dict[str, str] = {}  # credential key -> account_id
        self.credentials: dict[str, list[tuple[bytes, bytes]]] = {}  # account_id -> auth headers of its caller

    # -- who is calling ---------------------------------------------------------------------------------
    @staticmethod
    def token_of(request: Request) -> str | None:
        authorization = request.header("authorization") or ""
        if authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return request.cookie("cnx_access")

    def credential_key(self, request: Request) -> str:
        """A stable name for the credential a request carries (JWT subject or SigV4 access key id)."""
        authorization = request.header("authorization") or ""
        match = _SIGV4_CREDENTIAL.search(authorization)
        if authorization.startswith("AWS4-HMAC-SHA256") and match:
            return "sigv4:" + match.group(1)
        if "X-Amz-Credential" in request.query:
            return "sigv4:" + request.query["X-Amz-Credential"].split("/", 1)[0]
        token = self.token_of(request)
        if token:
            claims = decode_unverified(token)
            if claims.get("sub"):
                return "jwt:" + str(claims["sub"])
        client = request.scope.get("client") or ("?", 0)
        return f"anon:{client[0]}"

    def account_of(self, request: Request) -> str | None:
        token = self.token_of(request)
        if token:
            claims = decode_unverified(token)
            for name in ("account_id", "acc", "cnx:account_id"):
                if isinstance(claims.get(name), str):
                    return str(claims[name])
        return self.accounts.get(self.credential_key(request))

    def auth_headers(self, request: Request) -> list[tuple[bytes, bytes]]:
        return [(k, v) for k, v in request.scope.get("headers", []) if k.lower() in (b"authorization", b"cookie")]

    # -- learning from every exchange ---------------------------------------------------------------------
    def observe(self, request: Request, response: Response) -> None:
        if not 200 <= response.status < 300:
            return
        for cookie in response.headers_named("set-cookie"):
            if cookie.startswith("cnx_access="):
                self._learn_kid(cookie.split("=", 1)[1].split(";", 1)[0])
        data = response.json()
        if not isinstance(data, dict):
            return
        if isinstance(data.get("access_token"), str):
            self._learn_kid(data["access_token"])
        key = self.credential_key(request)
        account = data.get("account_id") or (data.get("principal") or {}).get("account_id")
        if isinstance(account, str) and not key.startswith("anon:"):
            self.accounts.setdefault(key, account)
            self.credentials.setdefault(account, self.auth_headers(request))
        for record in self._records(data):
            rid = record.get("id") or record.get("name")
            owner = record.get("account_id") or self.account_of(request)
            if isinstance(rid, str) and isinstance(owner, str):
                self.owners.setdefault(rid, owner)
            secret = record.get("secret_access_key")
            if isinstance(rid, str) and isinstance(secret, str):
                self.secrets[rid] = secret
                if isinstance(owner, str):
                    self.accounts.setdefault("sigv4:" + rid, owner)

    @staticmethod
    def _records(data: dict[str, Any]) -> list[dict[str, Any]]:
        found = [data]
        for value in data.values():
            if isinstance(value, list):
                found.extend(item for item in value if isinstance(item, dict))
        return found

    def _learn_kid(self, token: str) -> None:
        parts = jwt_parts(token)
        if parts and self.kid is None and isinstance(parts[0].get("kid"), str):
            self.kid = str(parts[0]["kid"])

    # -- forging what the server would accept ---------------------------------------------------------------
    def sign(self, claims: dict[str, Any]) -> str:
        """An RS256 token the server accepts: signed with its own key, under the kid it publishes."""
        headers = {"kid": self.kid} if self.kid else None
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)

    def refreshed(self, claims: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        lifetime = int(claims.get("exp", now + 900)) - int(claims.get("iat", now))
        return {**claims, "iat": now, "exp": now + max(lifetime, 60)}

    def owner_of_path(self, path: str) -> str | None:
        """The account owning the first known resource id in ``path`` (None when no segment is known)."""
        for segment in reversed(path.strip("/").split("/")):
            if segment in self.owners:
                return self.owners[segment]
        return None

    def replace_token(self, request: Request, token: str) -> None:
        if (request.header("authorization") or "").lower().startswith("bearer "):
            request.set_header("authorization", f"Bearer {token}")
            return
        cookies = [c.strip() for c in (request.header("cookie") or "").split(";") if c.strip()]
        cookies = [c for c in cookies if not c.startswith("cnx_access=")] + [f"cnx_access={token}"]
        request.set_header("cookie", "; ".join(cookies))
