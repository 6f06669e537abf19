"""SigV4 signing of httpx requests with botocore's signer (service ``cloudnx``, region ``in-mum``).

The service and region come from the spec's ``sigv4`` security scheme (``x-cloudnx-sigv4``).
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conformance.contract import contract

__all__ = ["sign", "sigv4_scheme"]

# Hop-by-hop and client-chosen headers a proxy may rewrite: signing them would make a correct request fragile.
_UNSIGNED = {"connection", "accept-encoding", "user-agent", "content-length", "accept"}


@functools.cache
def sigv4_scheme() -> dict[str, Any]:
    schemes = contract().spec["components"]["securitySchemes"]
    for scheme in schemes.values():
        if scheme.get("x-cloudnx-auth-scheme") == "aws-sigv4":
            return dict(scheme.get("x-cloudnx-sigv4", {}))
    raise KeyError("spec/openapi.yaml declares no security scheme with x-cloudnx-auth-scheme: aws-sigv4")


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
