"""A lost answer: the target acts, the connection drops before the body (the killmatrix client fault ``answer-lost``).
The CLI sends the call again with the same Idempotency-Key, and exactly one resource results."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from .conftest import Cli
from .harness import Key, access_key, client_fault

pytestmark = pytest.mark.cli


@pytest.fixture
def lossy() -> Iterator[str]:
    """A fresh variant per test: its fault swallows the first keyed answer it sees, once."""
    with client_fault("answer-lost") as url:
        yield url


def _configure(cli: Cli, url: str, key: Key) -> None:
    args = ("--endpoint", url, "--access-key-id", key.access_key_id, "--secret-access-key", key.secret_access_key)
    assert cli("configure", *args).code == 0


def test_without_a_retry_the_call_fails_yet_the_resource_exists(cli: Cli, lossy: str) -> None:
    """The control: the fault really swallows an answer after acting (so a naive re-run would create twice)."""
    _configure(cli, lossy, access_key(lossy))
    once = cli("--max-attempts", "1", "compute", "vpcs-create", "--name", "lost", "--cidr-block", "10.70.0.0/16")
    assert once.code == 3, once.err  # a network failure: no answer
    assert "no answer" in once.err
    assert cli("--query", "vpcs[].name", "compute", "vpcs-list").json() == ["lost"]


def test_after_a_dropped_answer_the_retry_creates_exactly_one(cli: Cli, lossy: str) -> None:
    _configure(cli, lossy, access_key(lossy))
    created = cli("--debug", "compute", "vpcs-create", "--name", "once", "--cidr-block", "10.71.0.0/16")
    assert created.code == 0, created.err
    keys = re.findall(r"Idempotency-Key: (\S+)", created.err)
    assert len(keys) == 2, created.err
    assert keys[0] == keys[1]  # two attempts, one key
    assert "answer lost" in created.err
    listed = cli("compute", "vpcs-list").json()
    assert [v["id"] for v in listed["vpcs"]] == [json.loads(created.out)["id"]]
