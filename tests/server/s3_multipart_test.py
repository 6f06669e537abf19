"""Multipart upload with boto3: managed transfers, S3's ETag rule, part rules, abort, list parts and uploads."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from .s3_support import error_of

pytestmark = pytest.mark.server

MIB = 1024 * 1024


def test_managed_upload_and_download_of_20_mib(s3: Any, tmp_path: Path) -> None:
    source, back = tmp_path / "in.bin", tmp_path / "out.bin"
    payload = os.urandom(20 * MIB)
    source.write_bytes(payload)
    s3.upload_file(str(source), "alpha", "big/20mib.bin")  # boto3 switches to multipart at 8 MiB
    head = s3.head_object(Bucket="alpha", Key="big/20mib.bin")
    parts = [payload[i : i + 8 * MIB] for i in range(0, len(payload), 8 * MIB)]
    expected = hashlib.md5(
        b"".join(hashlib.md5(p, usedforsecurity=False).digest() for p in parts), usedforsecurity=False
    ).hexdigest()
    assert (head["ETag"], head["ContentLength"]) == (f'"{expected}-{len(parts)}"', len(payload))
    s3.download_file("alpha", "big/20mib.bin", str(back), Config=TransferConfig(multipart_threshold=4 * MIB))
    assert hashlib.sha256(back.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert s3.list_multipart_uploads(Bucket="alpha").get("Uploads", []) == []


def _upload(s3: Any, key: str) -> str:
    return str(s3.create_multipart_upload(Bucket="alpha", Key=key, Metadata={"m": "1"})["UploadId"])


def test_part_rules_listing_and_abort(s3: Any) -> None:
    upload = _upload(s3, "mp/rules")
    small = s3.upload_part(Bucket="alpha", Key="mp/rules", UploadId=upload, PartNumber=1, Body=b"a" * 1000)
    last = s3.upload_part(Bucket="alpha", Key="mp/rules", UploadId=upload, PartNumber=2, Body=b"b" * 10)
    listed = s3.list_parts(Bucket="alpha", Key="mp/rules", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed] == [
        (1, 1000, small["ETag"]),
        (2, 10, last["ETag"]),
    ]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="alpha", Prefix="mp/")["Uploads"]] == [upload]
    cases = [
        ([(2, last["ETag"]), (1, small["ETag"])], "InvalidPartOrder"),
        ([(1, '"00000000000000000000000000000000"')], "InvalidPart"),
        ([(1, small["ETag"]), (3, last["ETag"])], "InvalidPart"),
        ([(1, small["ETag"]), (2, last["ETag"])], "EntityTooSmall"),  # part 1 under 5 MiB and not the last
    ]
    for parts, code in cases:
        with pytest.raises(ClientError) as refused:
            s3.complete_multipart_upload(
                Bucket="alpha",
                Key="mp/rules",
                UploadId=upload,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]},
            )
        assert error_of(refused) == (400, code), parts
    s3.abort_multipart_upload(Bucket="alpha", Key="mp/rules", UploadId=upload)
    with pytest.raises(ClientError) as gone:
        s3.list_parts(Bucket="alpha", Key="mp/rules", UploadId=upload)
    assert error_of(gone) == (404, "NoSuchUpload")
    with pytest.raises(ClientError):
        s3.head_object(Bucket="alpha", Key="mp/rules")


def test_single_small_part_completes_and_keeps_metadata(s3: Any) -> None:
    upload = _upload(s3, "mp/one")
    part = s3.upload_part(Bucket="alpha", Key="mp/one", UploadId=upload, PartNumber=1, Body=b"only part")
    s3.complete_multipart_upload(
        Bucket="alpha",
        Key="mp/one",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    got = s3.get_object(Bucket="alpha", Key="mp/one")
    assert (got["Body"].read(), got["Metadata"], got["ETag"].endswith('-1"')) == (b"only part", {"m": "1"}, True)


def test_upload_part_copy_and_managed_copy(s3: Any) -> None:
    payload = os.urandom(12 * MIB)
    s3.put_object(Bucket="alpha", Key="mp/src", Body=payload)
    upload = _upload(s3, "mp/assembled")
    first = s3.upload_part_copy(
        Bucket="alpha", Key="mp/assembled", UploadId=upload, PartNumber=1, CopySource="alpha/mp/src",
        CopySourceRange=f"bytes=0-{6 * MIB - 1}",
    )  # fmt: skip
    second = s3.upload_part_copy(
        Bucket="alpha", Key="mp/assembled", UploadId=upload, PartNumber=2, CopySource="alpha/mp/src",
        CopySourceRange=f"bytes={6 * MIB}-{12 * MIB - 1}",
    )  # fmt: skip
    s3.complete_multipart_upload(
        Bucket="alpha",
        Key="mp/assembled",
        UploadId=upload,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
                {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]},
            ]
        },
    )
    assert s3.get_object(Bucket="alpha", Key="mp/assembled")["Body"].read() == payload
    # boto3's managed copy uses UploadPartCopy above its threshold, as `aws s3 cp/mv` between keys do.
    s3.copy(
        {"Bucket": "alpha", "Key": "mp/src"},
        "alpha",
        "mp/managed",
        Config=TransferConfig(multipart_threshold=5 * MIB),
    )
    assert s3.get_object(Bucket="alpha", Key="mp/managed")["Body"].read() == payload
