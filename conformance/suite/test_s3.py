"""The S3 data plane as real clients use it every day: copies that keep the bytes, multipart uploads, batch deletes,
conditional requests and paged listings, each through boto3 unmodified.

Seed "SDKs" (the AWS SDK for S3 is fully compatible); spec ``cloudnx_spec.s3_data_plane()`` (operations,
multipart part rules). Every object a check stores is deleted after it, so its bucket cleans up (a bucket holding
objects is 409).
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import MakeResource, S3ClientFactory
from conformance.identities import Account
from conformance.suite.support import bucket_name, made


def _client(make: MakeResource, alice: Account, s3: S3ClientFactory) -> tuple[str, Any]:
    bucket = make("buckets_create", alice.root, name=bucket_name())
    key = made(make, "bucket_keys_create", alice.root, bucket_name=bucket["name"], permission="read-write")
    return bucket["name"], s3(key)


def _cleaner(request: pytest.FixtureRequest, client: Any, bucket: str) -> Callable[[str], None]:
    """``keep(key)``: delete ``key`` after the test (finalizers run before ``make`` deletes the bucket)."""

    def keep(key: str) -> None:
        request.addfinalizer(lambda: client.delete_object(Bucket=bucket, Key=key))

    return keep


def _sha(client: Any, bucket: str, key: str) -> str:
    return hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()


def _status(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    err = exc.value.response
    return int(err["ResponseMetadata"]["HTTPStatusCode"]), str(err.get("Error", {}).get("Code", ""))


@check("S3-COPY-INTEGRITY")
def test_copy_keeps_the_bytes(
    request: pytest.FixtureRequest, make: MakeResource, alice: Account, s3: S3ClientFactory
) -> None:
    bucket, client = _client(make, alice, s3)
    keep = _cleaner(request, client, bucket)
    payload = os.urandom(256 * 1024)
    expected = hashlib.sha256(payload).hexdigest()
    for key in ("copy/src", "copy/dst"):
        keep(key)
    client.put_object(Bucket=bucket, Key="copy/src", Body=payload, Metadata={"v": "1"})
    client.copy_object(Bucket=bucket, Key="copy/dst", CopySource={"Bucket": bucket, "Key": "copy/src"})
    assert _sha(client, bucket, "copy/dst") == expected, "CopyObject wrote other bytes than the source's"
    assert _sha(client, bucket, "copy/src") == expected, "CopyObject changed its source"
    # What `aws s3 cp --metadata-directive REPLACE` and rclone's mtime updates do: copy an object onto itself.
    client.copy_object(
        Bucket=bucket,
        Key="copy/src",
        CopySource={"Bucket": bucket, "Key": "copy/src"},
        MetadataDirective="REPLACE",
        Metadata={"v": "2"},
    )
    same = client.get_object(Bucket=bucket, Key="copy/src")
    assert hashlib.sha256(same["Body"].read()).hexdigest() == expected, "a copy onto itself lost the object's bytes"
    assert same["Metadata"] == {"v": "2"}, f"MetadataDirective REPLACE kept {same['Metadata']}"


@check("S3-MULTIPART-ROUNDTRIP")
def test_multipart_upload_round_trip(
    request: pytest.FixtureRequest, make: MakeResource, alice: Account, s3: S3ClientFactory, contract: Contract
) -> None:
    bucket, client = _client(make, alice, s3)
    key = "multipart/object.bin"
    _cleaner(request, client, bucket)(key)
    minimum = int(contract.ext("s3-data-plane")["multipart"]["min_part_bytes"])
    parts = [os.urandom(minimum), os.urandom(minimum), os.urandom(1234)]
    upload = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    try:
        etags = [
            client.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n, Body=data)["ETag"]
            for n, data in enumerate(parts, start=1)
        ]
        listed = client.list_parts(Bucket=bucket, Key=key, UploadId=upload).get("Parts", [])
        assert [p["Size"] for p in listed] == [len(p) for p in parts], f"ListParts shows {listed}"
        done = client.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, start=1)]},
        )
    except BaseException:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        raise
    whole = b"".join(parts)
    assert _sha(client, bucket, key) == hashlib.sha256(whole).hexdigest(), "the object is not its parts, in order"
    md5s = b"".join(hashlib.md5(p, usedforsecurity=False).digest() for p in parts)
    etag = f'"{hashlib.md5(md5s, usedforsecurity=False).hexdigest()}-{len(parts)}"'
    assert done["ETag"] == etag, f"multipart ETag {done['ETag']}, S3 gives {etag}"
    assert client.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(whole)


@check("S3-DELETE-BATCH")
def test_delete_objects_deletes_exactly_the_named_keys(
    request: pytest.FixtureRequest, make: MakeResource, alice: Account, s3: S3ClientFactory
) -> None:
    bucket, client = _client(make, alice, s3)
    keep = _cleaner(request, client, bucket)
    keys = [f"batch/{i}" for i in range(5)]
    for key in keys:
        keep(key)
        client.put_object(Bucket=bucket, Key=key, Body=key.encode())
    doomed, kept = keys[:3], keys[3:]
    answer = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in doomed]})
    assert not answer.get("Errors"), f"DeleteObjects reported errors: {answer['Errors']}"
    left = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="batch/").get("Contents", [])]
    assert left == kept, f"after deleting {doomed} the bucket lists {left}"


@check("S3-PRECONDITIONS")
def test_conditional_requests(
    request: pytest.FixtureRequest, make: MakeResource, alice: Account, s3: S3ClientFactory
) -> None:
    bucket, client = _client(make, alice, s3)
    key = "cond/object"
    _cleaner(request, client, bucket)(key)
    etag = client.put_object(Bucket=bucket, Key=key, Body=b"first")["ETag"]
    modified = client.head_object(Bucket=bucket, Key=key)["LastModified"]
    for condition, expected in (({"IfNoneMatch": etag}, 304), ({"IfModifiedSince": modified}, 304),
                                ({"IfMatch": '"0123456789abcdef0123456789abcdef"'}, 412)):  # fmt: skip
        with pytest.raises(ClientError) as failed:
            client.get_object(Bucket=bucket, Key=key, **condition)
        assert _status(failed)[0] == expected, f"GET with {condition} must answer {expected}: {_status(failed)}"
    assert client.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"].read() == b"first"
    with pytest.raises(ClientError) as exists:
        client.put_object(Bucket=bucket, Key=key, Body=b"second", IfNoneMatch="*")
    assert _status(exists) == (412, "PreconditionFailed"), f"PUT If-None-Match: * over an object: {_status(exists)}"
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"first", "a failed precondition wrote"


def _pages(client: Any, version: int, bucket: str, **params: Any) -> tuple[list[str], list[str], int]:
    paginator = client.get_paginator("list_objects_v2" if version == 2 else "list_objects")
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    for page in paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": 2, "MaxItems": 1000}, **params):
        pages += 1
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return keys, prefixes, pages


@check("S3-LIST-PAGES")
def test_listing_pages(
    request: pytest.FixtureRequest, make: MakeResource, alice: Account, s3: S3ClientFactory
) -> None:
    bucket, client = _client(make, alice, s3)
    keep = _cleaner(request, client, bucket)
    keys = ["a/1", "a/2", "b", "c/3", "d", "e"]
    for key in keys:
        keep(key)
        client.put_object(Bucket=bucket, Key=key, Body=b"x")
    for version in (1, 2):
        listed, prefixes, pages = _pages(client, version, bucket)
        assert (listed, prefixes) == (keys, []), f"ListObjects v{version} pages of 2 gave {listed}"
        assert pages == 3, f"ListObjects v{version}: 6 keys in pages of 2 came in {pages} pages"
        listed, prefixes, _ = _pages(client, version, bucket, Delimiter="/")
        assert (listed, prefixes) == (["b", "d", "e"], ["a/", "c/"]), (
            f"ListObjects v{version} with delimiter / gave keys {listed} and common prefixes {prefixes}"
        )
