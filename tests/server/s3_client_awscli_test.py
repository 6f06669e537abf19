"""AWS CLI v1 (the `aws` command, pinned in the test extra) against the data plane: cp, mv, sync and
rm --recursive with `aws s3`, and s3api calls; the 20 MiB file and the folder come back byte-identical."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .s3_clients import Endpoint, client_env, endpoint, require, same_tree, sample

pytestmark = [pytest.mark.server, pytest.mark.slow]
__all__ = ["endpoint"]


def aws(ep: Endpoint, home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = client_env(
        home,
        AWS_ACCESS_KEY_ID=ep.key.id,
        AWS_SECRET_ACCESS_KEY=ep.key.secret,
        AWS_DEFAULT_REGION="in-mum",
        AWS_EC2_METADATA_DISABLED="true",
    )
    command = [sys.executable, "-m", "awscli", "--endpoint-url", ep.url, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, check=False)
    if check:
        assert done.returncode == 0, f"aws {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}"
    return done


def test_aws_s3_cp_mv_sync_rm(endpoint: Endpoint, tmp_path: Path) -> None:
    require("awscli", module=True)
    home, out = tmp_path / "home", tmp_path / "out"
    big, folder = sample(tmp_path / "in")
    root = f"s3://{endpoint.bucket}/cli"
    aws(endpoint, home, "s3", "cp", str(big), f"{root}/big.bin")  # multipart: 20 MiB > 8 MiB threshold
    aws(endpoint, home, "s3", "mv", f"{root}/big.bin", f"{root}/moved.bin")  # multipart copy, then delete
    gone = aws(
        endpoint, home, "s3api", "head-object", "--bucket", endpoint.bucket, "--key", "cli/big.bin", check=False
    )
    assert gone.returncode != 0, "aws s3 mv left its source behind"
    aws(endpoint, home, "s3", "cp", f"{root}/moved.bin", str(out / "big.bin"))
    assert (out / "big.bin").read_bytes() == big.read_bytes(), "aws s3 mv changed the object's bytes"
    aws(endpoint, home, "s3", "sync", str(folder), f"{root}/folder")
    again = aws(endpoint, home, "s3", "sync", str(folder), f"{root}/folder")
    assert again.stdout.strip() == "", f"a second sync of unchanged files uploaded again: {again.stdout}"
    aws(endpoint, home, "s3", "sync", f"{root}/folder", str(out / "folder"))
    same_tree(folder, out / "folder")
    listed = aws(endpoint, home, "s3", "ls", "--recursive", f"{root}/").stdout
    assert "cli/moved.bin" in listed, listed
    assert "cli/folder/nested/deeper/c.csv" in listed, listed
    aws(endpoint, home, "s3", "rm", "--recursive", f"{root}/")
    left = aws(endpoint, home, "s3api", "list-objects-v2", "--bucket", endpoint.bucket, "--prefix", "cli/").stdout
    assert '"Contents"' not in left, f"aws s3 rm --recursive left objects: {left}"


def test_aws_s3api_calls(endpoint: Endpoint, tmp_path: Path) -> None:
    require("awscli", module=True)
    home = tmp_path / "home"
    body = tmp_path / "body.txt"
    body.write_bytes(b"s3api body\n")
    b = endpoint.bucket
    put = aws(endpoint, home, "s3api", "put-object", "--bucket", b, "--key", "api/x.txt", "--body", str(body),
              "--content-type", "text/plain", "--metadata", "team=storage")  # fmt: skip
    assert '"ETag"' in put.stdout
    head = aws(endpoint, home, "s3api", "head-object", "--bucket", b, "--key", "api/x.txt").stdout
    assert '"team": "storage"' in head, head
    assert '"ContentType": "text/plain"' in head, head
    aws(
        endpoint, home, "s3api", "copy-object", "--bucket", b, "--key", "api/y.txt", "--copy-source", f"{b}/api/x.txt"
    )
    v1 = aws(endpoint, home, "s3api", "list-objects", "--bucket", b, "--prefix", "api/").stdout
    assert '"api/x.txt"' in v1, v1
    assert '"api/y.txt"' in v1, v1
    aws(endpoint, home, "s3api", "get-object", "--bucket", b, "--key", "api/y.txt", str(tmp_path / "y.txt"))
    assert (tmp_path / "y.txt").read_bytes() == b"s3api body\n"
    deleted = aws(endpoint, home, "s3api", "delete-objects", "--bucket", b, "--delete",
                  "Objects=[{Key=api/x.txt},{Key=api/y.txt}]").stdout  # fmt: skip
    assert deleted.count('"Key"') == 2, deleted
    buckets = aws(endpoint, home, "s3api", "list-buckets").stdout
    assert f'"Name": "{b}"' in buckets, buckets
