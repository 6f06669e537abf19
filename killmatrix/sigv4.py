"""Re-sign a SigV4 request with botocore, so a fault can make the server accept what it should refuse."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from killmatrix.wire import Request

__all__ = ["parse_authorization", "resign"]

_FIELDS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]+)")


def parse_authorization(value: str) -> dict[str, str]:
    """Credential, SignedHeaders and Signature of an ``AWS4-HMAC-SHA256`` Authorization header."""
    return dict(_FIELDS.findall(value)) if value.startswith("AWS4-HMAC-SHA256") else {}


def resign(
    request: Request,
    access_key_id: str,
    secret: str,
    *,
    region: str,
    service: str,
    keep_date: bool = True,
) -> None:
    """Replace the request's SigV4 Authorization (and X-Amz-Date) with a valid signature over what it carries."""
    fields = parse_authorization(request.header("authorization") or "")
    signed = fields.get("SignedHeaders", "host;x-amz-date").split(";")
    scheme = request.scope.get("scheme", "http")
    host = request.header("host") or "127.0.0.1"
    query = request.scope.get("query_string", b"").decode("latin-1")
    url = f"{scheme}://{host}{request.scope.get('raw_path', request.path.encode()).decode('latin-1')}"
    url = url + ("?" + query if query else "")
    headers = {name: request.header(name) or "" for name in signed if name not in ("authorization",)}
    aws = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
    amz_date = request.header("x-amz-date") if keep_date else None
    del aws.headers["X-Amz-Date"]
    signer = SigV4Auth(Credentials(access_key_id, secret), service, region)
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if amz_date:
        when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    # botocore stamps "now"; keeping the client's X-Amz-Date lets the server's skew check still see it.
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        signer.add_auth(aws)
    request.set_header("authorization", aws.headers["Authorization"])
    request.set_header("x-amz-date", aws.headers["X-Amz-Date"])
