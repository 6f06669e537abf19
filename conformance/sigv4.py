"""SigV4 signing of httpx requests with botocore's signer (service ``cloudnx``, region ``in-mum``).

The service and region come from the spec's SigV4 security scheme (``cloudnx_spec.sigv4()``).
"""

from __future__ import annotations

from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import cloudnx_spec

__all__ = ["sign", "sigv4_scheme"]

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
