"""The CLI against the reference server on loopback, from a fresh HOME: configure, then a VPC and an instance
through their lifecycle, lists with --query and pagination, errors, the exchanged-token cache."""

from __future__ import annotations

import io
import json
import re
import stat
from pathlib import Path

import httpx
import pytest

import cloudnx_spec

from .conftest import Cli
from .harness import Key, cloudnx

pytestmark = pytest.mark.cli


def test_done_when_configure_create_and_query_with_the_console_script(tmp_path: Path, target: str, key: Key) -> None:
    """The issue's "done when", as a user types it: the installed script, a fresh HOME, SigV4 by default."""
    home = tmp_path / "fresh-home"
    home.mkdir()
    configure = cloudnx(
        home,
        *("configure", "--endpoint", target),
        *("--access-key-id", key.access_key_id, "--secret-access-key", key.secret_access_key),
    )
    assert configure.returncode == 0, configure.stderr
    assert stat.S_IMODE((home / ".cloudnx" / "credentials").stat().st_mode) == 0o600
    body = json.dumps({"name": "done-when", "cidr_block": "10.20.0.0/16"})
    created = cloudnx(home, "--output", "json", "compute", "vpcs-create", "--body", body, "--debug")
    assert created.returncode == 0, created.stderr
    vpc = json.loads(created.stdout)
    scope = f"/{cloudnx_spec.sigv4().region}/{cloudnx_spec.sigv4().service}/aws4_request"
    signed = re.search(r"Authorization: (\S+) Credential=([^/]+)/\d{8}(\S+?),", created.stderr)
    assert signed, created.stderr
    assert signed.groups() == (cloudnx_spec.sigv4().algorithm, key.access_key_id, scope)
    assert key.secret_access_key not in created.stderr
    assert vpc["cidr_block"] == "10.20.0.0/16"
    listed = cloudnx(home, "--output", "json", "--query", "vpcs[].id", "compute", "vpcs-list")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [vpc["id"]]
    missing = cloudnx(home, "compute", "vpcs-get", "--vpc-id", "vpc-0000000000000000")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert "error" in json.loads(missing.stderr)
    forged = cloudnx(home, "compute", "vpcs-list", CLOUDNX_SECRET_ACCESS_KEY="not-the-secret")  # env overrides
    assert forged.returncode == 1
    assert "error" in json.loads(forged.stderr)  # the target refused the signature: 401


def _api_body(target: str, key: Key, operation_id: str, **params: str) -> object:
    """The same call made without the CLI: the bearer token from exchange-credentials, then a plain GET."""
    exchange = cloudnx_spec.operation("iam_exchange_credentials")
    with httpx.Client(base_url=target, timeout=10) as client:
        token = client.post(
            exchange.path, json={"access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key}
        ).json()["access_token"]
        op = cloudnx_spec.operation(operation_id)
        response = client.get(op.path.format(**params), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()


def test_vpc_and_instance_lifecycle(configured: Cli, target: str, key: Key) -> None:
    cli = configured
    vpc = cli("compute", "vpcs-create", "--name", "wf", "--cidr-block", "10.30.0.0/16").json()
    got = cli("--output", "json", "compute", "vpcs-get", "--vpc-id", vpc["id"])
    assert got.json() == _api_body(target, key, "vpcs_get", vpc_id=vpc["id"])  # --output json is the API body
    listed = cli("--output", "json", "compute", "vpcs-list")
    assert listed.json() == _api_body(target, key, "vpcs_list")  # one page: the merged answer is that page
    launch = ("--name", "wf-1", "--instance-type", "cnx.nano", "--image-id", "img-debian-12", "--vpc-id", vpc["id"])
    instance = cli("compute", "instances-create", *launch).json()
    instance_id = instance["id"]

    def status() -> str:
        return str(cli("compute", "instances-get", "--instance-id", instance_id, "--query", "status").json())

    assert status() == "running"  # the reference server's boot delay is 0
    assert cli("compute", "instances-stop", "--instance-id", instance_id).code == 0
    assert status() == "stopped"
    conflict = cli("compute", "instances-stop", "--instance-id", instance_id)
    assert conflict.code == 1
    assert "error" in json.loads(conflict.err)
    assert cli("compute", "instances-start", "--instance-id", instance_id).code == 0
    assert status() == "running"
    ids = cli("--query", f"instances[?vpc_id=='{vpc['id']}'].id", "compute", "instances-list")
    assert ids.json() == [instance_id]
    text = cli("compute", "instances-list", "--output", "text")
    assert instance_id in text.out.split("\t")
    assert cli("compute", "instances-delete", "--instance-id", instance_id).code == 0
    deleted = cli("compute", "vpcs-delete", "--vpc-id", vpc["id"])
    assert deleted.code == 0, deleted.err
    gone = cli("compute", "vpcs-get", "--vpc-id", vpc["id"])
    assert gone.code == 1
    assert gone.out == ""
    assert json.loads(gone.err) == {"error": json.loads(gone.err)["error"]}  # exactly the seed's error shape


def test_lists_follow_next_cursor(configured: Cli) -> None:
    cli = configured
    made = [
        cli("compute", "vpcs-create", "--name", f"p{i}", "--cidr-block", f"10.{40 + i}.0.0/16").json()["id"]
        for i in range(3)
    ]
    whole = cli("compute", "vpcs-list", "--limit", "1").json()
    assert [v["id"] for v in whole["vpcs"]] == made
    assert whole["next_cursor"] is None
    page = cli("compute", "vpcs-list", "--limit", "1", "--no-paginate").json()
    assert [v["id"] for v in page["vpcs"]] == made[:1]
    assert page["next_cursor"]
    first = cli("compute", "vpcs-list", "--max-items", "2").json()
    assert [v["id"] for v in first["vpcs"]] == made[:2]
    rest = cli("compute", "vpcs-list", "--cursor", first["next_cursor"]).json()
    assert [v["id"] for v in rest["vpcs"]] == made[2:]
    for fmt in ("yaml", "table"):
        shown = cli("compute", "vpcs-list", "--output", fmt)
        assert shown.code == 0
        assert all(i in shown.out for i in made)


def test_exchange_auth_caches_the_token_0600_until_it_fails(configured: Cli, home: Path) -> None:
    cli = configured
    assert cli("--auth", "exchange", "compute", "vpcs-list").code == 0
    (cache,) = (home / ".cloudnx" / "cache").iterdir()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    first = cache.read_text()
    assert cli("--auth", "exchange", "compute", "vpcs-list").code == 0
    assert cache.read_text() == first  # reused, not exchanged again
    record = json.loads(first)
    record["access_token"] = record["access_token"][:-4] + "AAAA"  # a token the target refuses
    cache.write_text(json.dumps(record))
    assert cli("--auth", "exchange", "compute", "vpcs-list").code == 0  # 401 -> exchange once more
    assert json.loads(cache.read_text())["access_token"] != record["access_token"]


def test_bad_input_is_a_usage_error_before_any_request(
    configured: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = configured
    assert cli("compute", "vpcs-create", "--body", "{not json").code == 2
    assert cli("compute", "vpcs-create", "--body", "@" + str(tmp_path / "absent.json")).code == 2
    assert cli("compute", "vpcs-create", "--body", "[1]", "--name", "x").code == 2
    assert cli("compute", "vpcs-list", "--query", "vpcs[").code == 2
    body = tmp_path / "vpc.json"
    body.write_text(json.dumps({"name": "from-file", "cidr_block": "10.60.0.0/16"}))
    from_file = cli("compute", "vpcs-create", "--body", "@" + str(body), "--name", "overridden")
    assert from_file.code == 0
    assert from_file.json()["name"] == "overridden"
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"name": "from-stdin", "cidr_block": "10.61.0.0/16"})))
    from_stdin = cli("compute", "vpcs-create", "--body", "-")
    assert from_stdin.code == 0
    assert from_stdin.json()["name"] == "from-stdin"


def test_an_unreachable_endpoint_is_a_network_failure(configured: Cli) -> None:
    result = configured("--endpoint", "http://127.0.0.1:9", "--max-attempts", "2", "compute", "vpcs-list")
    assert result.code == 3
    assert result.err.startswith("cloudnx: cannot connect")
