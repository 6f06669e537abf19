"""Storage data plane: boto3 round trip, presigned URLs that work then expire, per-bucket keys scoped.

Seed "SDKs" (the AWS SDK for S3 is fully compatible); spec ``cloudnx_spec.s3_data_plane()`` and
``buckets_presign`` (expires_in bounds, 403 once expired); ``cloudnx_spec.lifetimes().presign_*``.
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import ApiFactory, MakeResource, S3ClientFactory
from conformance.identities import Account
from conformance.runtime import Target
from conformance.suite.support import answer_once_expired, bucket_name, describe, documented, made


def _bucket_with_key(make: MakeResource, alice: Account) -> tuple[dict[str, Any], dict[str, Any]]:
    bucket = make("buckets_create", alice.root, name=bucket_name())
    key = made(make, "bucket_keys_create", alice.root, bucket_name=bucket["name"], permission="read-write")
    return bucket, key


def _put(request: pytest.FixtureRequest, client: Any, bucket: str, key: str, body: bytes) -> None:
    """Store an object and delete it after the test: a bucket holding objects cannot be cleaned up (409)."""
    client.put_object(Bucket=bucket, Key=key, Body=body)
    # Finalizers run last-in first-out, so this runs before `make` deletes the bucket.
    request.addfinalizer(lambda: client.delete_object(Bucket=bucket, Key=key))


@check("S3-ROUNDTRIP")
def test_boto3_round_trip(make: MakeResource, alice: Account, s3: S3ClientFactory) -> None:
    bucket, key = _bucket_with_key(make, alice)
    client = s3(key)
    payload = b"cloudnx conformance \x00\xff round trip"
    client.put_object(Bucket=bucket["name"], Key="dir/object.bin", Body=payload)
    assert client.get_object(Bucket=bucket["name"], Key="dir/object.bin")["Body"].read() == payload
    listed = client.list_objects_v2(Bucket=bucket["name"]).get("Contents", [])
    assert [o["Key"] for o in listed] == ["dir/object.bin"], f"ListObjectsV2 shows {listed}"
    client.delete_object(Bucket=bucket["name"], Key="dir/object.bin")
    with pytest.raises(ClientError) as gone:
        client.get_object(Bucket=bucket["name"], Key="dir/object.bin")
    assert gone.value.response["Error"]["Code"] == "NoSuchKey", gone.value.response


@check("S3-PRESIGN-EXPIRY")
def test_presigned_url_works_then_expires(
    request: pytest.FixtureRequest,
    api: ApiFactory,
    make: MakeResource,
    alice: Account,
    s3: S3ClientFactory,
    contract: Contract,
    target: Target,
) -> None:
    bucket, key = _bucket_with_key(make, alice)
    _put(request, s3(key), bucket["name"], "p.txt", b"presigned")
    lifetime = contract.lifetimes.presign_min_seconds + 1
    reply = api(alice.root).call(
        "buckets_presign",
        path_params={"bucket_name": bucket["name"]},
        json={"method": "GET", "key": "p.txt", "expires_in": lifetime, "access_key_id": key["id"]},
    )
    assert reply.status_code == contract.op("buckets_presign").success_status, describe(reply)
    signed_by = time.monotonic()  # the URL was signed before this (X-Amz-Date, whole seconds)
    url = reply.json()["url"]
    with httpx.Client(timeout=10, verify=target.verify) as plain:
        fresh = plain.get(url)
        assert fresh.status_code == 200 and fresh.content == b"presigned", f"fresh presigned URL: {describe(fresh)}"
        stale = answer_once_expired(
            lambda: plain.get(url), 200, expires=signed_by + lifetime - 1.0, by=signed_by + lifetime + 1.5
        )
    expired = contract.s3.presigned_expired_status
    assert stale.status_code == expired, f"a presigned URL {lifetime}s old must answer {expired}: {describe(stale)}"


@check("S3-PRESIGN-BOUNDS")
def test_presign_expiry_outside_bounds_is_rejected(
    api: ApiFactory, make: MakeResource, alice: Account, contract: Contract
) -> None:
    bucket, key = _bucket_with_key(make, alice)
    lifetimes = contract.lifetimes
    for expires_in in (lifetimes.presign_min_seconds - 1, -1, lifetimes.presign_max_seconds + 1):
        reply = api(alice.root).call(
            "buckets_presign",
            path_params={"bucket_name": bucket["name"]},
            json={"method": "GET", "key": "k", "expires_in": expires_in, "access_key_id": key["id"]},
        )
        assert reply.status_code == documented(contract, "buckets_presign", "BadRequest"), (
            f"expires_in={expires_in} is outside {lifetimes.presign_min_seconds}.."
            f"{lifetimes.presign_max_seconds}: {describe(reply)}"
        )


@check("S3-KEY-SCOPE")
def test_bucket_key_only_opens_its_own_bucket(
    request: pytest.FixtureRequest, make: MakeResource, alice: Account, s3: S3ClientFactory
) -> None:
    mine, key = _bucket_with_key(make, alice)
    other, other_key = _bucket_with_key(make, alice)
    _put(request, s3(other_key), other["name"], "secret.txt", b"not yours")
    client = s3(key)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("get_object", {"Bucket": other["name"], "Key": "secret.txt"}),
        ("put_object", {"Bucket": other["name"], "Key": "planted.txt", "Body": b"x"}),
        ("list_objects_v2", {"Bucket": other["name"]}),
    ]
    for method, arguments in attempts:
        with pytest.raises(ClientError) as denied:
            getattr(client, method)(**arguments)
        assert denied.value.response["Error"]["Code"] == "AccessDenied", (
            f"a key of bucket {mine['name']} reached bucket {other['name']}: {denied.value.response['Error']}"
        )
