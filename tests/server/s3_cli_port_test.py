"""`cloudnx-reference --s3-port 0`: the data plane at the root of a port of its own, beside the API's /s3 mount,
over the same objects — what minio-py (which refuses an endpoint with a path) needs."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .s3_clients import require
from .s3_support import KeyPair, boto, close_clients

pytestmark = [pytest.mark.server, pytest.mark.slow]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    storage = tmp_path_factory.mktemp("storage")
    command = [
        sys.executable,
        "-m",
        "reference_server.cli",
        "--port",
        "0",
        "--s3-port",
        "0",
        "--storage-dir",
        str(storage),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while len(urls) < 2 and time.monotonic() < deadline:
        found = re.search(r"^(.*) listening on (http://\S+)", process.stdout.readline())
        if found:
            urls["s3" if "S3" in found.group(1) else "api"] = found.group(2)
    try:
        assert len(urls) == 2, f"cloudnx-reference did not announce both ports: {urls}"
        yield urls["api"], urls["s3"], storage
    finally:
        close_clients()
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_own_port_and_mount_share_objects_stored_in_the_storage_dir(ports: tuple[str, str, Path]) -> None:
    require("minio", module=True)
    from minio import Minio

    api, s3_url, storage = ports
    with httpx.Client(base_url=api, timeout=10) as client:
        client.post("/auth/signup", json={"email": "port@example.com", "password": PASSWORD}).raise_for_status()
        login = client.post("/auth/login", json={"email": "port@example.com", "password": PASSWORD})
        token = login.headers.get_list("set-cookie")[0].split(";", 1)[0].split("=", 1)[1]
        auth = {"Authorization": f"Bearer {token}"}
        client.post("/storage/buckets", json={"name": "port-bucket"}, headers=auth).raise_for_status()
        made = client.post(
            "/storage/buckets/port-bucket/keys", json={"name": "k", "permission": "read-write"}, headers=auth
        )
    key = KeyPair(made.json()["id"], made.json()["secret_access_key"])
    mc = Minio(
        s3_url.removeprefix("http://"), access_key=key.id, secret_key=key.secret, secure=False, region="in-mum"
    )
    mc.fput_object("port-bucket", "via-minio.txt", str(_file(storage.parent / "in.txt", b"own port")))
    assert boto(f"{api}/s3", key).get_object(Bucket="port-bucket", Key="via-minio.txt")["Body"].read() == b"own port"
    assert any((storage / "objects").iterdir()), "the object's bytes are not under --storage-dir"
    # A multipart upload through the API port's HTTP layer (its limits are for JSON bodies, not objects).
    payload = os.urandom(12 * 1024 * 1024)
    mounted = boto(f"{api}/s3", key)
    mounted.upload_fileobj(io.BytesIO(payload), "port-bucket", "big.bin")
    got = mc.get_object("port-bucket", "big.bin")
    try:
        assert got.read() == payload
    finally:
        got.close()
        got.release_conn()


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
