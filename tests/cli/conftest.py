"""Fixtures of the CLI's tests: a fresh HOME per test, the CLI run in-process (``main``) with its output captured,
and targets on loopback (see harness.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloudnx_cli.main import main

from .harness import Key, access_key, reference


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """``cloudnx`` in this process (the spec is parsed once per test session), with HOME set to a fresh dir."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse: --help exits 0, a usage error 2
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    for name in ("CLOUDNX_PROFILE", "CLOUDNX_ENDPOINT", "CLOUDNX_ACCESS_KEY_ID", "CLOUDNX_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    return path


@pytest.fixture
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(capsys)


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    """The reference server, one per test module."""
    with reference() as url:
        yield url


@pytest.fixture
def key(target: str) -> Key:
    """A fresh account's access key: each test sees only what it creates."""
    return access_key(target)


@pytest.fixture
def configured(cli: Cli, target: str, key: Key) -> Cli:
    result = cli(
        "configure",
        "--endpoint",
        target,
        "--access-key-id",
        key.access_key_id,
        "--secret-access-key",
        key.secret_access_key,
    )
    assert result.code == 0, result.err
    return cli
