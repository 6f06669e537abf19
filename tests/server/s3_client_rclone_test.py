"""rclone (the Debian package, installed by .ci/run) with its DEFAULT settings — a remote of type s3, provider
Other, an endpoint and a key, nothing else — so it lists with ListObjects v1 and checks the bucket with a PUT:
copy up and down, check, server-side moveto, delete; the 20 MiB file and the folder come back byte-identical."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .s3_clients import Endpoint, client_env, endpoint, require, same_tree, sample

pytestmark = [pytest.mark.server, pytest.mark.slow]
__all__ = ["endpoint"]


def rclone(ep: Endpoint, home: Path, *args: str) -> str:
    env = client_env(
        home,
        RCLONE_CONFIG=str(home / "rclone.conf"),
        RCLONE_CONFIG_CNX_TYPE="s3",
        RCLONE_CONFIG_CNX_PROVIDER="Other",
        RCLONE_CONFIG_CNX_ENDPOINT=ep.url,
        RCLONE_CONFIG_CNX_ACCESS_KEY_ID=ep.key.id,
        RCLONE_CONFIG_CNX_SECRET_ACCESS_KEY=ep.key.secret,
        RCLONE_CONFIG_CNX_REGION="in-mum",
    )
    done = subprocess.run(["rclone", *args], env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"rclone {' '.join(args)} exited {done.returncode}: {done.stderr[-3000:]}"
    return done.stdout


def test_rclone_default_settings_round_trip(endpoint: Endpoint, tmp_path: Path) -> None:
    require("rclone")
    home, out = tmp_path / "home", tmp_path / "out"
    big, folder = sample(tmp_path / "in")
    remote = f"cnx:{endpoint.bucket}/rclone"
    rclone(endpoint, home, "copy", str(big), remote)
    rclone(endpoint, home, "copy", str(folder), f"{remote}/folder")
    rclone(endpoint, home, "check", str(folder), f"{remote}/folder")  # sizes and MD5s (ETags) agree
    rclone(endpoint, home, "moveto", f"{remote}/big.bin", f"{remote}/moved.bin")  # server-side copy + delete
    rclone(endpoint, home, "copy", f"{remote}/moved.bin", str(out))
    assert (out / "moved.bin").read_bytes() == big.read_bytes(), "rclone moveto changed the object's bytes"
    rclone(endpoint, home, "copy", f"{remote}/folder", str(out / "folder"))
    same_tree(folder, out / "folder")
    listed = rclone(endpoint, home, "lsf", "-R", remote)
    assert "moved.bin" in listed.splitlines(), listed
    assert "big.bin" not in listed.splitlines(), "rclone moveto left its source behind"
    rclone(endpoint, home, "delete", remote)
    assert rclone(endpoint, home, "lsf", "-R", remote).strip() == ""
