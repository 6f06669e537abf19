"""Benchmark: a large object through the S3 data plane, and how much the server's memory grows meanwhile.

Starts ``cloudnx-reference --s3-port 0`` with a storage directory under a temporary folder, makes an account, a
bucket and a read-write key through the API, then (1) streams one PutObject of ``--mib`` MiB generated on the fly
(UNSIGNED-PAYLOAD, so the client holds 1 MiB at a time), (2) reads it back streamed and compares SHA-256, and
(3) uploads it again as a boto3 multipart transfer from a file. It samples the server's RSS (``/proc/<pid>/status``)
every 20 ms and prints it before, at its peak and after, and the growth over the idle server (the data plane streams
to disk, so it should stay far below the object size: the target is < 64 MiB for 1 GiB). Linux only (reads /proc).

Usage: python benchmarks/bench_s3_upload.py [--mib 1024]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
from boto3.s3.transfer import TransferConfig
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

MIB = 1024 * 1024
ACCOUNT = {"email": "bench-s3@example.com", "password": "correct horse battery"}


class UnsignedPayloadAuth(S3SigV4Auth):
    """SigV4 with UNSIGNED-PAYLOAD over plain HTTP too, so a body can stream without being hashed first."""

    def _should_sha256_sign_payload(self, request: AWSRequest) -> bool:
        return False


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


class Sampler(threading.Thread):
    """The highest RSS of a process seen while running."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, rss_kib(pid), threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, rss_kib(self.pid))


def start_server(storage: Path) -> tuple[subprocess.Popen[str], str, str]:
    cmd = [sys.executable, "-m", "reference_server.cli", "--port", "0", "--s3-port", "0"]
    cmd += ["--storage-dir", str(storage)]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own interpreter
    urls: dict[str, str] = {}
    deadline = time.time() + 30
    if process.stdout is None:
        raise SystemExit("bench_s3_upload: no stdout from the reference server")
    while len(urls) < 2 and time.time() < deadline:
        line = process.stdout.readline()
        found = re.search(r"^(.*) listening on (http://\S+)", line)
        if found:
            urls["s3" if "S3" in found.group(1) else "api"] = found.group(2)
    if len(urls) < 2:
        process.kill()
        raise SystemExit("bench_s3_upload: the reference server did not announce both ports within 30 s")
    return process, urls["api"], urls["s3"]


def bucket_key(api: str) -> tuple[str, str, str]:
    with httpx.Client(base_url=api, timeout=30) as client:
        client.post("/auth/signup", json=ACCOUNT).raise_for_status()
        login = client.post("/auth/login", json=ACCOUNT)
        login.raise_for_status()
        access = login.headers.get_list("set-cookie")[0].split(";", 1)[0].split("=", 1)[1]
        auth = {"Authorization": f"Bearer {access}"}
        client.post("/storage/buckets", json={"name": "bench-big"}, headers=auth).raise_for_status()
        key = client.post(
            "/storage/buckets/bench-big/keys", json={"name": "bench", "permission": "read-write"}, headers=auth
        )
        key.raise_for_status()
        return "bench-big", key.json()["id"], key.json()["secret_access_key"]


def chunks(total: int, digest: hashlib._Hash) -> Iterator[bytes]:
    block = os.urandom(MIB)
    for i in range(total // MIB):
        data = block[:8] + i.to_bytes(8, "big") + block[16:]  # every MiB different, none held beyond itself
        digest.update(data)
        yield data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="object size in MiB (default 1024)")
    args = parser.parse_args()
    size = args.mib * MIB
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as scratch:
        process, api, s3 = start_server(Path(scratch) / "storage")
        try:
            bucket, key_id, secret = bucket_key(api)
            time.sleep(0.5)
            idle = rss_kib(process.pid)
            sampler = Sampler(process.pid)
            sampler.start()
            sent = hashlib.sha256()
            url = f"{s3}/{bucket}/big.bin"
            request = AWSRequest(
                method="PUT",
                url=url,
                headers={"Content-Length": str(size)},
            )
            UnsignedPayloadAuth(Credentials(key_id, secret), "s3", "in-mum").add_auth(request)
            started = time.perf_counter()
            with httpx.Client(timeout=600) as http:
                put = http.put(url, content=chunks(size, sent), headers=dict(request.headers.items()))
                if put.status_code != 200:
                    raise SystemExit(f"bench_s3_upload: PutObject answered {put.status_code}: {put.text}")
                put_seconds = time.perf_counter() - started
                client = boto3.client(
                    "s3", endpoint_url=s3, region_name="in-mum", aws_access_key_id=key_id,
                    aws_secret_access_key=secret, config=Config(s3={"addressing_style": "path"}),
                )  # fmt: skip
                got = hashlib.sha256()
                started = time.perf_counter()
                for block in client.get_object(Bucket=bucket, Key="big.bin")["Body"].iter_chunks(MIB):
                    got.update(block)
                get_seconds = time.perf_counter() - started
            single_peak = sampler.peak
            source = Path(scratch) / "source.bin"
            with source.open("wb") as out:
                for block in chunks(size, hashlib.sha256()):
                    out.write(block)
            started = time.perf_counter()
            client.upload_file(str(source), bucket, "big-multipart.bin", Config=TransferConfig(max_concurrency=4))
            multipart_seconds = time.perf_counter() - started
            etag = client.head_object(Bucket=bucket, Key="big-multipart.bin")["ETag"]
            client.close()
            sampler.stop.set()
            sampler.join()
            time.sleep(0.5)
            after = rss_kib(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    ok = got.digest() == sent.digest()
    print(f"object: {args.mib} MiB, stored under a temporary --storage-dir on disk")
    print(f"PutObject (streamed, single request): {put_seconds:.1f} s, {args.mib / put_seconds:.0f} MiB/s")
    print(f"GetObject (streamed): {get_seconds:.1f} s, {args.mib / get_seconds:.0f} MiB/s; SHA-256 equal: {ok}")
    print(f"boto3 upload_file (multipart, 8 MiB parts, 4 threads): {multipart_seconds:.1f} s, "
          f"{args.mib / multipart_seconds:.0f} MiB/s; ETag {etag}")  # fmt: skip
    print(f"server RSS: before {idle / 1024:.1f} MiB, peak {sampler.peak / 1024:.1f} MiB, "
          f"after {after / 1024:.1f} MiB")  # fmt: skip
    print(f"server RSS growth: put+get {(single_peak - idle) / 1024:.1f} MiB; "
          f"with the multipart upload {(sampler.peak - idle) / 1024:.1f} MiB (target < 64 MiB)")  # fmt: skip
    if not ok:
        raise SystemExit("bench_s3_upload: the object read back differs from the one sent")


if __name__ == "__main__":
    main()
