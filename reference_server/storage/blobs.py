"""Object bytes on disk: each stored version is one immutable file under the storage directory.

A body is streamed into a temporary file while its digests are computed (never held whole in memory), then
moved into place in one rename. Files are never rewritten: an overwrite or a delete drops the record's file and
a copy is a hard link, so a reader that already opened a file keeps reading the version it started with.
Disk work runs in worker threads in batches of ``BATCH`` bytes, so the event loop only collects bytes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
import weakref
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

__all__ = ["BATCH", "Blob", "BlobStore", "Digests"]

BATCH = 1024 * 1024  # bytes gathered before one threaded write/hash step


class Digests:
    """MD5 (the ETag) always; SHA-256 (x-amz-content-sha256) and the x-amz-checksum-* algorithms when asked."""

    def __init__(self, wanted: frozenset[str] = frozenset()) -> None:
        self.wanted = wanted
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.crc32 = 0
        self.size = 0

    def update(self, data: bytes) -> None:
        self.md5.update(data)
        if "sha256" in self.wanted:
            self.sha256.update(data)
        if "sha1" in self.wanted:
            self.sha1.update(data)
        if "crc32" in self.wanted:
            self.crc32 = zlib.crc32(data, self.crc32)
        self.size += len(data)

    def checksum(self, algorithm: str) -> str | None:
        """The base64 value of ``x-amz-checksum-<algorithm>`` for these bytes; None for one not computed here."""
        if algorithm not in self.wanted:
            return None
        raw = {
            "crc32": lambda: self.crc32.to_bytes(4, "big"),
            "sha1": self.sha1.digest,
            "sha256": self.sha256.digest,
        }.get(algorithm)
        return None if raw is None else base64.b64encode(raw()).decode()


@dataclass(frozen=True)
class Blob:
    """A received body in a temporary file: its size and digests, not yet an object."""

    path: Path
    size: int
    md5_hex: str
    digests: Digests


class BlobStore:
    """The storage directory: ``objects/`` holds committed files, ``incoming/`` bodies being received."""

    def __init__(self, root: str | None) -> None:
        if root is None:
            made = tempfile.mkdtemp(prefix="cloudnx-s3-")
            # A directory we made is ours to remove when the server goes away; a given one is the user's.
            self._cleanup = weakref.finalize(self, shutil.rmtree, made, True)
            root = made
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.incoming = self.root / "incoming"
        for folder in (self.objects, self.incoming):
            folder.mkdir(parents=True, exist_ok=True)

    def _new_path(self, folder: Path) -> Path:
        return folder / secrets.token_hex(16)

    async def receive(
        self,
        chunks: AsyncIterator[bytes],
        limit: int,
        too_large: Callable[[], Exception],
        wanted: frozenset[str] = frozenset(),
    ) -> Blob:
        """Stream ``chunks`` into a temporary file; more than ``limit`` bytes raises ``too_large()``."""
        path = self._new_path(self.incoming)
        digests = Digests(wanted)
        handle = await anyio.to_thread.run_sync(path.open, "wb")
        try:
            pending: list[bytes] = []
            held = 0
            async for chunk in chunks:
                if digests.size + held + len(chunk) > limit:
                    raise too_large()
                pending.append(chunk)
                held += len(chunk)
                if held >= BATCH:
                    await anyio.to_thread.run_sync(_write, handle, digests, pending)
                    pending, held = [], 0
            if pending:
                await anyio.to_thread.run_sync(_write, handle, digests, pending)
        except BaseException:
            handle.close()
            path.unlink(missing_ok=True)
            raise
        handle.close()
        return Blob(path, digests.size, digests.md5.hexdigest(), digests)

    def commit(self, blob: Blob) -> str:
        """Move a received body into ``objects/``; the returned name is what a record keeps."""
        target = self._new_path(self.objects)
        os.replace(blob.path, target)
        return target.name

    def discard(self, blob: Blob) -> None:
        blob.path.unlink(missing_ok=True)

    def path(self, name: str) -> Path:
        return self.objects / name

    def drop(self, name: str | None) -> None:
        if name:
            (self.objects / name).unlink(missing_ok=True)

    async def duplicate(self, name: str) -> str:
        """A new name for the same bytes (CopyObject): a hard link, or a copy where links are not possible."""
        target = self._new_path(self.objects)
        try:
            os.link(self.objects / name, target)
        except OSError:
            await anyio.to_thread.run_sync(shutil.copyfile, self.objects / name, target)
        return target.name

    async def concatenate(self, names: list[tuple[str, int, int]]) -> Blob:
        """One new body from (name, start, length) slices of committed files, in order (multipart, part copy)."""
        path = self._new_path(self.incoming)
        digests = Digests()
        try:
            await anyio.to_thread.run_sync(
                _concatenate, [(self.objects / n, s, ln) for n, s, ln in names], path, digests
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Blob(path, digests.size, digests.md5.hexdigest(), digests)

    async def read(self, name: str, start: int, length: int) -> AsyncIterator[bytes]:
        """The bytes ``start .. start+length`` of a committed file, ``BATCH`` at a time."""
        handle: BinaryIO = await anyio.to_thread.run_sync((self.objects / name).open, "rb")
        try:
            await anyio.to_thread.run_sync(handle.seek, start)
            left = length
            while left > 0:
                data = await anyio.to_thread.run_sync(handle.read, min(BATCH, left))
                if not data:
                    raise OSError(f"object file {name} is shorter than its record says")
                left -= len(data)
                yield data
        finally:
            with contextlib.suppress(OSError):
                handle.close()


def _write(handle: BinaryIO, digests: Digests, pending: list[bytes]) -> None:
    data = b"".join(pending)
    digests.update(data)
    handle.write(data)


def _concatenate(slices: list[tuple[Path, int, int]], target: Path, digests: Digests) -> None:
    with target.open("wb") as out:
        for source, start, length in slices:
            with source.open("rb") as handle:
                handle.seek(start)
                left = length
                while left > 0:
                    data = handle.read(min(BATCH, left))
                    if not data:
                        raise OSError(f"{source.name} is shorter than its record says")
                    digests.update(data)
                    out.write(data)
                    left -= len(data)
