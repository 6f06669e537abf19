"""CopyObject never loses data, and conditional requests are honoured (RFC 9110 §13; S3 conditional writes).

A copy that wrote nothing (an empty object where the source's bytes belong) is the failure this guards against:
``aws s3 mv`` is copy-then-delete, so such a copy silently destroys the object.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .s3_support import DataPlane, boto, error_of

pytestmark = pytest.mark.server


def _sha(client: Any, key: str) -> str:
    return hashlib.sha256(client.get_object(Bucket="alpha", Key=key)["Body"].read()).hexdigest()


def test_copy_keeps_the_bytes_and_copies_or_replaces_metadata(s3: Any) -> None:
    payload = os.urandom(300_000)
    s3.put_object(Bucket="alpha", Key="c/src", Body=payload, ContentType="image/png", Metadata={"owner": "ann"})
    s3.copy_object(Bucket="alpha", Key="c/copy", CopySource="alpha/c/src")
    copied = s3.get_object(Bucket="alpha", Key="c/copy")
    assert hashlib.sha256(copied["Body"].read()).digest() == hashlib.sha256(payload).digest()
    assert (copied["ContentType"], copied["Metadata"]) == ("image/png", {"owner": "ann"})
    s3.copy_object(
        Bucket="alpha",
        Key="c/replaced",
        CopySource={"Bucket": "alpha", "Key": "c/src"},
        MetadataDirective="REPLACE",
        ContentType="text/plain",
        Metadata={"owner": "bob"},
    )
    replaced = s3.head_object(Bucket="alpha", Key="c/replaced")
    assert (replaced["ContentType"], replaced["Metadata"], replaced["ContentLength"]) == (
        "text/plain",
        {"owner": "bob"},
        len(payload),
    )


def test_copy_onto_itself_with_replace_keeps_the_data(s3: Any) -> None:
    payload = os.urandom(70_000)
    s3.put_object(Bucket="alpha", Key="c/self", Body=payload, Metadata={"v": "1"})
    s3.copy_object(
        Bucket="alpha", Key="c/self", CopySource="alpha/c/self", MetadataDirective="REPLACE", Metadata={"v": "2"}
    )
    got = s3.get_object(Bucket="alpha", Key="c/self")
    assert (got["Body"].read(), got["Metadata"]) == (payload, {"v": "2"})
    with pytest.raises(ClientError) as illegal:
        s3.copy_object(Bucket="alpha", Key="c/self", CopySource="alpha/c/self")
    assert error_of(illegal) == (400, "InvalidRequest")
    assert _sha(s3, "c/self") == hashlib.sha256(payload).hexdigest()


def test_copy_errors_and_source_conditions(live: tuple[DataPlane, str], s3: Any) -> None:
    plane, base = live
    with pytest.raises(ClientError) as missing:
        s3.copy_object(Bucket="alpha", Key="c/x", CopySource="alpha/c/never-written")
    assert error_of(missing) == (404, "NoSuchKey")
    boto(f"{base}/s3", plane.beta).put_object(Bucket="beta", Key="theirs", Body=b"b")
    with pytest.raises(ClientError) as foreign:
        s3.copy_object(Bucket="alpha", Key="c/x", CopySource="beta/theirs")
    assert error_of(foreign) == (403, "AccessDenied")
    etag = s3.put_object(Bucket="alpha", Key="c/cond", Body=b"v1")["ETag"]
    s3.copy_object(Bucket="alpha", Key="c/cond-ok", CopySource="alpha/c/cond", CopySourceIfMatch=etag)
    for condition in ({"CopySourceIfMatch": '"0000"'}, {"CopySourceIfNoneMatch": etag}):
        with pytest.raises(ClientError) as failed:
            s3.copy_object(Bucket="alpha", Key="c/cond-no", CopySource="alpha/c/cond", **condition)
        assert error_of(failed) == (412, "PreconditionFailed"), condition
    with pytest.raises(ClientError):
        s3.head_object(Bucket="alpha", Key="c/cond-no")


def test_get_and_head_conditions(s3: Any) -> None:
    etag = s3.put_object(Bucket="alpha", Key="cond/get", Body=b"hello")["ETag"]
    modified = s3.head_object(Bucket="alpha", Key="cond/get")["LastModified"]
    assert s3.get_object(Bucket="alpha", Key="cond/get", IfMatch=etag)["Body"].read() == b"hello"
    later = modified + datetime.timedelta(seconds=5)
    earlier = modified - datetime.timedelta(seconds=5)
    for op in (s3.get_object, s3.head_object):
        for condition, status in (
            ({"IfNoneMatch": etag}, 304),
            ({"IfModifiedSince": later}, 304),
            ({"IfMatch": '"ffff"'}, 412),
            ({"IfUnmodifiedSince": earlier}, 412),
        ):
            with pytest.raises(ClientError) as failed:
                op(Bucket="alpha", Key="cond/get", **condition)
            assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == status, (op, condition)
    # RFC 9110 §13.2.2: a true If-Match makes If-Unmodified-Since irrelevant.
    assert s3.head_object(Bucket="alpha", Key="cond/get", IfMatch=etag, IfUnmodifiedSince=earlier)["ETag"] == etag


def test_conditional_writes(s3: Any) -> None:
    first = s3.put_object(Bucket="alpha", Key="cond/put", Body=b"one", IfNoneMatch="*")["ETag"]
    with pytest.raises(ClientError) as exists:
        s3.put_object(Bucket="alpha", Key="cond/put", Body=b"two", IfNoneMatch="*")
    assert error_of(exists) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as stale:
        s3.put_object(Bucket="alpha", Key="cond/put", Body=b"two", IfMatch='"0123"')
    assert error_of(stale) == (412, "PreconditionFailed")
    assert s3.get_object(Bucket="alpha", Key="cond/put")["Body"].read() == b"one"
    s3.put_object(Bucket="alpha", Key="cond/put", Body=b"three", IfMatch=first)
    assert s3.get_object(Bucket="alpha", Key="cond/put")["Body"].read() == b"three"
