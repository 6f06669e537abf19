"""How a request proves who sends it: SigV4 with botocore's signer, or a bearer JWT from exchange-credentials.

SigV4 (the seed's "Access keys + SigV4"): the service and region are the spec's ``cloudnx_spec.sigv4()`` facts; each
attempt is signed afresh, so a retry after ``Retry-After`` carries a current ``X-Amz-Date`` (the spec allows 15
minutes of skew). ``--auth exchange`` trades the key at ``iam_exchange_credentials`` for a short-lived JWT and
keeps it in ``~/.cloudnx/cache/`` (0600) until shortly before it expires.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

import cloudnx_spec
from cloudnx_cli import config
from cloudnx_cli.errors import ApiError

__all__ = ["Auth", "ExchangeAuth", "NoAuth", "SigV4Auth"]

# Headers a proxy may rewrite or a client library sets late: signing them would make a correct request fragile.
_UNSIGNED = {"connection", "accept-encoding", "user-agent", "content-length", "accept"}
# Renew this long before a cached token's expiry, so it never lapses between check and use.
_EXPIRY_MARGIN_SECONDS = 60
EXCHANGE_OPERATION = "iam_exchange_credentials"


class Auth(Protocol):
    def apply(self, request: httpx.Request) -> None: ...

    def renew(self) -> bool:
        """Forget cached credentials after a 401; True when a retry with fresh ones is worth making."""
        ...


class NoAuth:
    def apply(self, request: httpx.Request) -> None:
        return None

    def renew(self) -> bool:
        return False


@dataclass
class SigV4Auth:
    access_key_id: str
    secret_access_key: str

    def apply(self, request: httpx.Request) -> None:
        # botocore costs ~0.1 s to import: only commands that send a signed request pay it.
        from botocore.auth import SigV4Auth as Signer
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        scheme = cloudnx_spec.sigv4()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _UNSIGNED}
        aws = AWSRequest(method=request.method, url=str(request.url), data=request.content, headers=headers)
        signer = Signer(Credentials(self.access_key_id, self.secret_access_key), scheme.service, scheme.region)
        signer.add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws.headers:
                request.headers[name] = aws.headers[name]

    def renew(self) -> bool:
        return False


@dataclass
class ExchangeAuth:
    """Bearer JWT from ``iam_exchange_credentials``, cached per profile, access key and endpoint."""

    profile: str
    endpoint: str
    access_key_id: str
    secret_access_key: str
    exchange: Callable[[str, str], httpx.Response]  # (access key id, secret) -> the operation's response
    _token: str | None = None

    @property
    def cache_path(self) -> Path:
        scope = hashlib.sha256(f"{self.endpoint}\n{self.access_key_id}".encode()).hexdigest()[:16]
        return config.config_dir() / "cache" / f"exchange-{self.profile}-{scope}.json"

    def _cached(self) -> str | None:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("access_key_id") != self.access_key_id:
            return None
        expires_at = data.get("expires_at")
        token = data.get("access_token")
        fresh = isinstance(expires_at, int | float) and time.time() < expires_at - _EXPIRY_MARGIN_SECONDS
        return token if isinstance(token, str) and fresh else None

    def _fresh(self) -> str:
        response = self.exchange(self.access_key_id, self.secret_access_key)
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.text)
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = int(body.get("expires_in") or cloudnx_spec.lifetimes().exchange_token_seconds)
        except (ValueError, KeyError, TypeError) as exc:
            raise ApiError(response.status_code, f"exchange-credentials answered without a token: {exc}") from exc
        record = {"access_key_id": self.access_key_id, "access_token": token, "expires_at": time.time() + lifetime}
        config.write_private(self.cache_path, json.dumps(record))
        return token

    def apply(self, request: httpx.Request) -> None:
        if self._token is None:
            self._token = self._cached() or self._fresh()
        request.headers["Authorization"] = f"Bearer {self._token}"

    def renew(self) -> bool:
        """A 401 with a cached token: the key may have been rotated or the token revoked; exchange once more."""
        self.cache_path.unlink(missing_ok=True)
        if self._token is None:
            return False
        self._token = None
        return True
