"""Presigned data-plane URLs: real SigV4 query signatures (service s3, region in-mum) with a bucket key's secret.

The URL points at the data plane under the request's own base URL (``<scheme>://<host>/s3/<bucket>/<key>``),
so it works wherever the caller reached the API. It is built with the same canonicalisation the verifier in
``reference_server.platform.sigv4`` checks, and the kit's tests check it against botocore's own presigner too.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote, urlsplit

from reference_server.errors import unprocessable
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.sigv4 import (
    ALGORITHM,
    SignedRequest,
    canonical_request,
    derive_signing_key,
    string_to_sign,
)

from .common import KIND_KEY, data_plane, iso, owned_bucket

__all__ = ["object_path", "presign_url"]

_WRITES = ("PUT", "DELETE")


def object_path(bucket: str, key: str) -> str:
    """The wire path of an object on the data plane (path-style, under the spec's prefix)."""
    return f"{data_plane()['path_prefix_on_api_host']}/{bucket}/{quote(key, safe='/~')}"


def presign_url(
    *, base_url: str, method: str, bucket: str, key: str, access_key_id: str, secret: str, now: float, expires_in: int
) -> str:
    signing = data_plane()["signing"]
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    scope = f"{amz_date[:8]}/{signing['region']}/{signing['service']}/aws4_request"
    params = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key_id}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires_in),
        "X-Amz-SignedHeaders": "host",
    }
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params.items())
    path = object_path(bucket, key)
    host = urlsplit(base_url).netloc
    wire = SignedRequest(method=method, path=path, query=query, headers=(("host", host),), body=b"")
    canonical = canonical_request(wire, ["host"], "UNSIGNED-PAYLOAD", normalize=False, double_encode=False)
    signature = hmac.new(
        derive_signing_key(secret, amz_date[:8], signing["region"], signing["service"]),
        string_to_sign(amz_date, scope, canonical).encode(),
        hashlib.sha256,
    ).hexdigest()
    return f"{base_url}{path}?{query}&X-Amz-Signature={signature}"


@handler("buckets_presign")
async def buckets_presign(call: Call) -> Reply:
    bucket = owned_bucket(call)
    body = call.body
    key = call.ctx.store.owned(KIND_KEY, call.principal.account_id, body["access_key_id"])
    if key is None or key["bucket_name"] != bucket["name"]:
        raise unprocessable(f"access_key_id: {body['access_key_id']} is not a key of bucket {bucket['name']}")
    if body["method"] in _WRITES and key["permission"] != "read-write":
        raise unprocessable(f"access_key_id: key {key['id']} is read-only and cannot sign {body['method']}")
    # S3 bounds a key by its UTF-8 length, not by characters (cloudnx_spec.s3_data_plane().max_key_bytes).
    max_key_bytes = int(data_plane()["max_key_bytes"])
    if len(body["key"].encode()) > max_key_bytes:
        raise unprocessable(f"key: longer than {max_key_bytes} bytes in UTF-8")
    now = call.ctx.clock()
    url = presign_url(
        base_url=call.ctx.base_url(call),
        method=body["method"],
        bucket=bucket["name"],
        key=body["key"],
        access_key_id=key["id"],
        secret=key["_secret"],
        now=now,
        expires_in=body["expires_in"],
    )
    # X-Amz-Date has whole seconds, so the URL expires at the signing second + expires_in.
    return Reply(200, {"url": url, "method": body["method"], "expires_at": iso(int(now) + body["expires_in"])})
