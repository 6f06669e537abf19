"""boto3 managed transfers against the data plane on its own port: upload_file / download_file of the 20 MiB file
(multipart both ways), a folder up and down, a managed copy (UploadPartCopy) and a batch delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from boto3.s3.transfer import TransferConfig

from .s3_clients import Endpoint, endpoint, same_tree, sample
from .s3_support import boto, close_clients

pytestmark = [pytest.mark.server, pytest.mark.slow]
__all__ = ["endpoint"]


def test_boto3_managed_transfers_round_trip(endpoint: Endpoint, tmp_path: Path) -> None:
    s3 = boto(endpoint.url, endpoint.key)
    b = endpoint.bucket
    big, folder = sample(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    ranged = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
    s3.upload_file(str(big), b, "boto3/big.bin", Config=ranged)
    assert s3.head_object(Bucket=b, Key="boto3/big.bin")["ETag"].endswith('-3"')  # 8 + 8 + 4 MiB parts
    s3.copy({"Bucket": b, "Key": "boto3/big.bin"}, b, "boto3/copy.bin", Config=ranged)
    s3.download_file(b, "boto3/copy.bin", str(out / "big.bin"), Config=ranged)  # ranged GETs in parallel
    assert (out / "big.bin").read_bytes() == big.read_bytes()
    for path in (p for p in folder.rglob("*") if p.is_file()):
        s3.upload_file(str(path), b, f"boto3/folder/{path.relative_to(folder).as_posix()}")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b, Prefix="boto3/folder/")
        for o in page.get("Contents", [])
    ]
    for key in keys:
        target = out / "folder" / key.removeprefix("boto3/folder/")
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(b, key, str(target))
    same_tree(folder, out / "folder")
    everything = [{"Key": k} for k in [*keys, "boto3/big.bin", "boto3/copy.bin"]]
    assert len(s3.delete_objects(Bucket=b, Delete={"Objects": everything})["Deleted"]) == len(everything)
    assert s3.list_objects_v2(Bucket=b, Prefix="boto3/")["KeyCount"] == 0
    close_clients()
