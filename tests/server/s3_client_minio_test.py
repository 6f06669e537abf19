"""minio-py (pinned in the test extra) against the data plane on its own port (it refuses an endpoint with a
path): put/get of the 20 MiB file (multipart), a folder up and down, listing, stat, copy and batch delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .s3_clients import Endpoint, endpoint, require, same_tree, sample

pytestmark = [pytest.mark.server, pytest.mark.slow]
__all__ = ["endpoint"]


def client(ep: Endpoint) -> Any:
    require("minio", module=True)
    from minio import Minio

    host = ep.url.removeprefix("http://")
    return Minio(host, access_key=ep.key.id, secret_key=ep.key.secret, secure=False, region="in-mum")


def test_minio_round_trips_file_and_folder(endpoint: Endpoint, tmp_path: Path) -> None:
    mc = client(endpoint)
    from minio.commonconfig import CopySource
    from minio.deleteobjects import DeleteObject

    big, folder = sample(tmp_path / "in")
    out = tmp_path / "out"
    b = endpoint.bucket
    assert mc.bucket_exists(b)
    mc.fput_object(b, "minio/big.bin", str(big), part_size=5 * 1024 * 1024)  # 4 parts
    assert mc.stat_object(b, "minio/big.bin").size == big.stat().st_size
    mc.fget_object(b, "minio/big.bin", str(out / "big.bin"))
    assert (out / "big.bin").read_bytes() == big.read_bytes()
    mc.copy_object(b, "minio/copy.bin", CopySource(b, "minio/big.bin"))
    mc.fget_object(b, "minio/copy.bin", str(out / "copy.bin"))
    assert (out / "copy.bin").read_bytes() == big.read_bytes(), "copy_object changed the bytes"
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        mc.fput_object(b, f"minio/folder/{path.relative_to(folder).as_posix()}", str(path))
    listed = [o.object_name for o in mc.list_objects(b, prefix="minio/folder/", recursive=True)]
    assert sorted(listed) == sorted(f"minio/folder/{p.relative_to(folder).as_posix()}" for p in files)
    top = [o.object_name for o in mc.list_objects(b, prefix="minio/folder/")]
    assert "minio/folder/nested/" in top, top
    for name in listed:
        mc.fget_object(b, name, str(out / "folder" / name.removeprefix("minio/folder/")))
    same_tree(folder, out / "folder")
    everything = [DeleteObject(o.object_name) for o in mc.list_objects(b, prefix="minio/", recursive=True)]
    errors = list(mc.remove_objects(b, everything))
    assert errors == []
    assert list(mc.list_objects(b, prefix="minio/", recursive=True)) == []
