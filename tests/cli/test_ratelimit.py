"""The CLI against the reference server's real limiter, set tight (1 request per second per principal): a 429
is waited out as its Retry-After says, and with retries forbidden it is an API error on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .conftest import Cli
from .harness import access_key, reference

pytestmark = pytest.mark.cli


@pytest.fixture
def limited(cli: Cli) -> Iterator[Cli]:
    with reference("--rate-limit", "1", "--rate-window-seconds", "1") as url:
        key = access_key(url)
        args = ("--endpoint", url, "--access-key-id", key.access_key_id, "--secret-access-key", key.secret_access_key)
        assert cli("configure", *args).code == 0
        yield cli


def test_429_is_waited_out_then_reported_when_retries_are_spent(limited: Cli) -> None:
    cli = limited
    # Three pages, one request each, at well over 1/s: the limiter answers 429 and the CLI waits Retry-After.
    for i in range(3):
        assert cli("compute", "vpcs-create", "--name", f"r{i}", "--cidr-block", f"10.{80 + i}.0.0/16").code == 0
    listed = cli("--debug", "compute", "vpcs-list", "--limit", "1")
    assert listed.code == 0, listed.err
    assert len(listed.json()["vpcs"]) == 3
    assert "< 429" in listed.err
    assert "rate limited; retrying in" in listed.err
    # With one attempt allowed, back-to-back calls meet a 429 and report it as the API's error, exit 1.
    outcomes = [cli("--max-attempts", "1", "compute", "vpcs-list") for _ in range(3)]
    refused = [o for o in outcomes if o.code != 0]
    assert refused, [o.code for o in outcomes]
    assert all(o.code == 1 and "error" in json.loads(o.err) for o in refused)
