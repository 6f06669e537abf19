"""A data plane to test against: the S3 app over a harness context, in-process (httpx ASGI) or on a real
uvicorn server bound to a free 127.0.0.1 port (for boto3, which needs a socket)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import uvicorn
from botocore.config import Config
from botocore.exceptions import ClientError
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_server.app import setup_services
from reference_server.storage.s3 import create_s3_app

from .compute_harness import Harness

__all__ = ["DataPlane", "KeyPair", "boto", "close_clients", "error_of", "serve"]


@dataclass(frozen=True)
class KeyPair:
    id: str
    secret: str


class _MountS3:
    """``/s3`` and everything below it to the data plane, as the platform mounts it (``/s3`` itself included:
    ListBuckets is a GET of the endpoint's root, which a Starlette Mount would redirect instead)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == "/s3" or path.startswith("/s3/")):
            await self.app({**scope, "root_path": scope.get("root_path", "") + "/s3"}, receive, send)
            return
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})


class DataPlane:
    """Two buckets of one account: ``alpha`` with a read-write and a read key, ``beta`` with a read-write key."""

    def __init__(self) -> None:
        self.h = Harness()
        setup_services(self.h.ctx)
        self.s3 = create_s3_app(self.h.ctx)
        self.app: ASGIApp = _MountS3(self.s3)
        for name in ("alpha", "beta"):
            assert self.h.call("buckets_create", body={"name": name}).status == 201
        self.rw = self._key("alpha", "read-write")
        self.ro = self._key("alpha", "read")
        self.beta = self._key("beta", "read-write")

    def _key(self, bucket: str, permission: str) -> KeyPair:
        got = self.h.call("bucket_keys_create", body={"name": "k", "permission": permission}, bucket_name=bucket)
        return KeyPair(got["id"], got["secret_access_key"])

    def presign(self, key_pair: KeyPair, method: str, key: str, expires_in: int, host: str = "testserver") -> str:
        """A presigned URL from buckets_presign, as if the API had been called at ``http://<host>``."""
        body = {"method": method, "key": key, "expires_in": expires_in, "access_key_id": key_pair.id}
        bucket = "beta" if key_pair == self.beta else "alpha"
        got = self.h.call("buckets_presign", body=body, host=host, bucket_name=bucket)
        assert got.status == 200, got.body
        return str(got["url"])


@contextlib.contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Run ``app`` on uvicorn at 127.0.0.1:<free port> in a thread; yield its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


_CLIENTS: list[Any] = []


def boto(endpoint: str, key: KeyPair, **config: Any) -> Any:
    """A boto3 S3 client as users configure one for an S3-compatible endpoint (closed by ``close_clients``)."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="in-mum",
        aws_access_key_id=key.id,
        aws_secret_access_key=key.secret,
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, **config),
    )
    _CLIENTS.append(client)
    return client


def close_clients() -> None:
    """Close pooled sockets, which would otherwise be reported unclosed (filterwarnings = error)."""
    while _CLIENTS:
        _CLIENTS.pop().close()


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]
