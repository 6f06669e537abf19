"""SigV4 signing of httpx requests with botocore's signer (service ``cloudnx``, region ``in-mum``).

The service and region come from the spec's SigV4 security scheme (``cloudnx_spec.sigv4()``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import httpx
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import cloudnx_spec

__all__ = ["presign", "sign", "sigv4_scheme"]

# Hop-by-hop and client-chosen headers a proxy may rewrite: signing them would make a correct request fragile.
_UNSIGNED = {"connection", "accept-encoding", "user-agent", "content-length", "accept"}


def sigv4_scheme() -> dict[str, Any]:
    """The spec's SigV4 scope (region, service, required signed headers, clock skew) as a mapping."""
    return dict(cloudnx_spec.sigv4().as_dict())


def sign(
    request: httpx.Request, access_key_id: str, secret: str, *, region: str | None = None, service: str | None = None
) -> httpx.Request:
    """Add ``Authorization`` and ``X-Amz-Date`` (and the payload hash) to ``request`` in place."""
    scheme = sigv4_scheme()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _UNSIGNED}
    aws = AWSRequest(method=request.method, url=str(request.url), data=request.content, headers=headers)
    signer = SigV4Auth(Credentials(access_key_id, secret), service or scheme["service"], region or scheme["region"])
    signer.add_auth(aws)
    for name in ("Authorization", "X-Amz-Date", "X-Amz-Content-SHA256"):
        if name in aws.headers:
            request.headers[name] = aws.headers[name]
    return request


def presign(
    method: str, url: str, access_key_id: str, secret: str, *, expires: int, signed_at: dt.datetime | None = None
) -> str:
    """``url`` signed in its query string (AWS's presigned form) for ``expires`` seconds, dated ``signed_at``."""
    scheme = sigv4_scheme()
    aws = AWSRequest(method=method, url=url)
    signer = SigV4QueryAuth(Credentials(access_key_id, secret), scheme["service"], scheme["region"], expires=expires)
    if signed_at is None:
        signer.add_auth(aws)
    else:
        # botocore reads the time from this function only; a past date is how a stale link is made on purpose.
        with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at.replace(tzinfo=None)):
            signer.add_auth(aws)
    return str(aws.url)
