"""Everyday S3 with boto3: ListObjects v1 and v2 pages, ListBuckets, HeadBucket, DeleteObjects, ranged GET,
Content-MD5 and x-amz-checksum-* verification, content headers and user metadata round trip."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .s3_support import DataPlane, boto, close_clients, error_of, serve

pytestmark = pytest.mark.server

KEYS = ["a/1", "a/2", "a/b/3", "c", "d/4", "e"]


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[DataPlane, str]]:
    plane = DataPlane()
    with serve(plane.app) as base:
        client = boto(f"{base}/s3", plane.rw)
        for key in KEYS:
            client.put_object(Bucket="alpha", Key=f"list/{key}", Body=key.encode())
        yield plane, base
    close_clients()


@pytest.fixture
def s3(live: tuple[DataPlane, str]) -> Any:
    plane, base = live
    return boto(f"{base}/s3", plane.rw)


def _walk(s3: Any, version: int, **params: Any) -> tuple[list[str], list[str], int]:
    """Every key and common prefix over all pages, and the number of pages."""
    paginator = s3.get_paginator("list_objects_v2" if version == 2 else "list_objects")
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    for page in paginator.paginate(Bucket="alpha", Prefix="list/", PaginationConfig={"PageSize": 2}, **params):
        pages += 1
        keys += [o["Key"] for o in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return keys, prefixes, pages


@pytest.mark.parametrize("version", [1, 2])
def test_listing_pages_with_and_without_delimiter(s3: Any, version: int) -> None:
    keys, prefixes, pages = _walk(s3, version)
    assert (keys, prefixes, pages) == ([f"list/{k}" for k in KEYS], [], 3)
    keys, prefixes, pages = _walk(s3, version, Delimiter="/")
    assert (keys, prefixes) == (["list/c", "list/e"], ["list/a/", "list/d/"])
    assert pages == 2


def test_list_buckets_shows_the_keys_own_bucket_and_head_bucket(live: tuple[DataPlane, str], s3: Any) -> None:
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["alpha"]
    assert s3.head_bucket(Bucket="alpha")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_location(Bucket="alpha")["LocationConstraint"] == "in-mum"
    with pytest.raises(ClientError) as missing:
        s3.head_bucket(Bucket="no-such-bucket-here")
    assert error_of(missing)[0] == 404
    # rclone's default bucket check is a CreateBucket: of the key's own bucket, S3's answer is "already yours".
    with pytest.raises(ClientError) as owned:
        s3.create_bucket(Bucket="alpha")
    assert error_of(owned) == (409, "BucketAlreadyOwnedByYou")


def test_delete_objects(s3: Any) -> None:
    for key in ("del/1", "del/2", "del/3"):
        s3.put_object(Bucket="alpha", Key=key, Body=b"x")
    answer = s3.delete_objects(
        Bucket="alpha", Delete={"Objects": [{"Key": "del/1"}, {"Key": "del/3"}, {"Key": "del/none"}]}
    )
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["del/1", "del/3", "del/none"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="alpha", Prefix="del/")["Contents"]] == ["del/2"]


def test_ranged_get(s3: Any) -> None:
    s3.put_object(Bucket="alpha", Key="range", Body=b"0123456789")
    part = s3.get_object(Bucket="alpha", Key="range", Range="bytes=2-5")
    assert (part["ResponseMetadata"]["HTTPStatusCode"], part["Body"].read(), part["ContentRange"]) == (
        206,
        b"2345",
        "bytes 2-5/10",
    )
    assert s3.get_object(Bucket="alpha", Key="range", Range="bytes=-3")["Body"].read() == b"789"
    with pytest.raises(ClientError) as unsatisfiable:
        s3.get_object(Bucket="alpha", Key="range", Range="bytes=10-")
    assert error_of(unsatisfiable) == (416, "InvalidRange")


def test_digests_are_verified(s3: Any) -> None:
    wrong_md5 = base64.b64encode(hashlib.md5(b"other", usedforsecurity=False).digest()).decode()
    with pytest.raises(ClientError) as md5:
        s3.put_object(Bucket="alpha", Key="dig", Body=b"data", ContentMD5=wrong_md5)
    assert error_of(md5) == (400, "BadDigest")
    with pytest.raises(ClientError) as sha:
        s3.put_object(Bucket="alpha", Key="dig", Body=b"data", ChecksumSHA256=base64.b64encode(b"\0" * 32).decode())
    assert error_of(sha) == (400, "BadDigest")
    with pytest.raises(ClientError):
        s3.head_object(Bucket="alpha", Key="dig")
    good = base64.b64encode(hashlib.sha256(b"data").digest()).decode()
    s3.put_object(Bucket="alpha", Key="dig", Body=b"data", ChecksumSHA256=good)
    s3.put_object(Bucket="alpha", Key="dig-crc", Body=b"data", ChecksumAlgorithm="CRC32")
    with pytest.raises(ClientError) as crc32c:
        s3.put_object(Bucket="alpha", Key="dig-c", Body=b"data", ChecksumCRC32C="AAAAAA==")
    assert error_of(crc32c) == (501, "NotImplemented")


def test_content_headers_and_metadata_round_trip(s3: Any) -> None:
    sent = {
        "ContentType": "text/csv; charset=utf-8",
        "ContentDisposition": 'attachment; filename="r.csv"',
        "ContentLanguage": "en",
        "CacheControl": "max-age=60",
        "ContentEncoding": "identity",
        "Metadata": {"project": "cloudnx", "reviewed-by": "ann"},
    }
    s3.put_object(Bucket="alpha", Key="hdr", Body=b"a,b\n", **sent)
    for got in (s3.get_object(Bucket="alpha", Key="hdr"), s3.head_object(Bucket="alpha", Key="hdr")):
        assert {name: got[name] for name in sent} == sent
    override = s3.get_object(Bucket="alpha", Key="hdr", ResponseContentType="application/octet-stream")
    assert override["ContentType"] == "application/octet-stream"
