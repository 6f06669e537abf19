"""Real S3 clients against the data plane on a port of its own: the endpoint, a key, sample data, and the rule that
a missing client skips locally but fails in CI (``CNX_REQUIRE_S3_CLIENTS=1``, set by ``.ci/run``).

The sample is what users move every day: one 20 MiB file (above every client's multipart threshold but rclone's)
and a folder of small files with nested and non-ASCII names. Round trips compare bytes, file by file.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .s3_support import DataPlane, KeyPair, serve

__all__ = ["BIG", "Endpoint", "client_env", "endpoint", "require", "same_tree", "sample"]

BIG = 20 * 1024 * 1024
_FOLDER = {"a.txt": 10, "nested/b.bin": 70_000, "nested/deeper/c.csv": 3, "ünï cödé/d e.txt": 1500, "empty": 0}


@dataclass(frozen=True)
class Endpoint:
    url: str  # the data plane at the root of its own port, e.g. http://127.0.0.1:40123
    bucket: str
    key: KeyPair


def require(tool: str, *, module: bool = False) -> None:
    """Skip without the client, or fail when CI says every client must be there."""
    found = importlib.util.find_spec(tool) is not None if module else shutil.which(tool) is not None
    if found:
        return
    how = f"pip install '.[test]' ({tool})" if module else f"the Debian package {tool}"
    if os.environ.get("CNX_REQUIRE_S3_CLIENTS") == "1":
        pytest.fail(f"CNX_REQUIRE_S3_CLIENTS=1 but the S3 client {tool} is missing: {how}")
    pytest.skip(f"S3 client {tool} not installed ({how}); set CNX_REQUIRE_S3_CLIENTS=1 to fail instead")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    plane = DataPlane()
    with serve(plane.s3.standalone()) as base:
        yield Endpoint(base, "alpha", plane.rw)


def sample(root: Path) -> tuple[Path, Path]:
    """(the 20 MiB file, the folder) under ``root``; contents are random, so a mix-up cannot match by chance."""
    root.mkdir(parents=True, exist_ok=True)
    big = root / "big.bin"
    big.write_bytes(os.urandom(BIG))
    folder = root / "folder"
    for name, size in _FOLDER.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size))
    return big, folder


def same_tree(expected: Path, actual: Path) -> None:
    """Every file of ``expected`` is in ``actual`` with the same bytes, and nothing else is."""
    want = {p.relative_to(expected): p.read_bytes() for p in expected.rglob("*") if p.is_file()}
    got = {p.relative_to(actual): p.read_bytes() for p in actual.rglob("*") if p.is_file()}
    assert sorted(got) == sorted(want), f"files differ: {sorted(map(str, got))} != {sorted(map(str, want))}"
    different = [str(name) for name in want if got[name] != want[name]]
    assert not different, f"bytes differ in {different}"


def client_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a client subprocess: no AWS settings of the machine or the user, its own HOME.

    AWS_CA_BUNDLE in particular goes: rclone refuses to start when it points at a bundle it cannot load.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RCLONE_"))}
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(home / "none"))
    env.update(extra)
    return env
