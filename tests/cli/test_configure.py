"""``cloudnx configure``: files under ~/.cloudnx written 0600, named profiles, prompts that never echo the secret,
and the environment overriding the files."""

from __future__ import annotations

import os
import pty
import select
import stat
import time
from pathlib import Path

import pytest

from cloudnx_cli import config, configure

from .conftest import Cli
from .harness import BIN, cli_env, cloudnx

pytestmark = pytest.mark.cli

SECRET = "s3cr3t-value-that-must-never-show"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_flags_write_0600_files_in_a_0700_directory(cli: Cli, home: Path) -> None:
    # The first run of the script creates ~/.cloudnx (for its parse cache): private from the start.
    assert cloudnx(home, "--help").returncode == 0
    assert _mode(home / ".cloudnx") == 0o700
    assert _mode(home / ".cloudnx" / "cache") == 0o700
    result = cli(
        "configure", "--endpoint", "http://127.0.0.1:9", "--access-key-id", "AKID1", "--secret-access-key", SECRET
    )
    assert result.code == 0, result.err
    directory = home / ".cloudnx"
    assert _mode(directory) == 0o700
    assert _mode(directory / "credentials") == 0o600
    assert _mode(directory / "config") == 0o600
    assert SECRET in (directory / "credentials").read_text()
    assert SECRET not in (directory / "config").read_text()
    assert SECRET not in result.out + result.err


def test_named_profiles_and_the_environment_override_in_order(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        cli("configure", "--endpoint", "http://a.test", "--access-key-id", "A", "--secret-access-key", "sa").code == 0
    )
    args = ("--profile", "dev", "--endpoint", "http://d.test", "--access-key-id", "D", "--secret-access-key", "sd")
    assert cli("configure", *args).code == 0
    assert config.resolve(None, None, {}).endpoint == "http://a.test"
    assert config.resolve("dev", None, {}).access_key_id == "D"
    assert config.resolve(None, None, {"CLOUDNX_PROFILE": "dev"}).endpoint == "http://d.test"
    env = {"CLOUDNX_ENDPOINT": "http://e.test", "CLOUDNX_ACCESS_KEY_ID": "E", "CLOUDNX_SECRET_ACCESS_KEY": "se"}
    resolved = config.resolve("dev", None, env)
    assert (resolved.endpoint, resolved.access_key_id, resolved.secret_access_key) == ("http://e.test", "E", "se")
    assert config.resolve("dev", "http://flag.test", env).endpoint == "http://flag.test"  # the flag wins
    missing = cli("--profile", "nope", "compute", "vpcs-list")
    assert missing.code == 2
    assert "nope" in missing.err


def test_prompts_keep_the_secret_off_the_screen(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[str] = []
    answers = iter(["http://127.0.0.1:9", "AKID2", "json"])

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    def ask_secret(prompt: str) -> str:
        asked.append("secret:" + prompt)
        return SECRET

    assert configure.run([], None, {}, ask=ask, ask_secret=ask_secret) == 0
    assert [p.split(" [")[0] for p in asked] == [
        "Endpoint URL",
        "Access key id",
        "secret:Secret access key",
        "Default output (json/yaml/table/text)",
    ]
    assert config.resolve(None, None, {}).secret_access_key == SECRET
    # Run again: the prompts show the stored values, the secret masked, and Enter keeps them.
    prompts: list[str] = []

    def enter(prompt: str) -> str:
        prompts.append(prompt)
        return ""

    assert configure.run([], None, {}, ask=enter, ask_secret=enter) == 0
    assert prompts[0] == "Endpoint URL [http://127.0.0.1:9]: "
    assert prompts[2] == f"Secret access key [****{SECRET[-4:]}]: "
    assert config.resolve(None, None, {}).secret_access_key == SECRET
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_list_masks_the_secret(cli: Cli) -> None:
    cli("configure", "--endpoint", "http://a.test", "--access-key-id", "A", "--secret-access-key", SECRET)
    listing = cli("configure", "--list")
    assert listing.code == 0
    assert "http://a.test" in listing.out
    assert SECRET not in listing.out
    assert SECRET[-4:] in listing.out


def test_a_partial_non_interactive_configure_is_refused(cli: Cli) -> None:
    result = cli("configure", "--endpoint", "http://a.test")
    assert result.code == 2
    assert "access_key_id" in result.err
    assert not (config.config_dir() / "credentials").exists()


def test_on_a_terminal_the_secret_is_not_echoed(tmp_path: Path) -> None:
    """The real console script under a pseudo-terminal: typed answers echo, the secret (getpass) does not."""
    home = tmp_path / "home"
    home.mkdir()
    answers = [b"http://127.0.0.1:9\n", b"AKIDTYPED\n", SECRET.encode() + b"\n", b"json\n"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: cloudnx with the pty as its controlling terminal
        try:
            os.execve(str(BIN / "cloudnx"), [str(BIN / "cloudnx"), "configure"], cli_env(home))  # noqa: S606
        finally:
            os._exit(127)
    transcript = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child exited and closed the terminal
                    break
                if not chunk:
                    break
                transcript += chunk
            if answers and transcript.count(b"]: ") > 4 - len(answers):
                os.write(fd, answers.pop(0))
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, transcript.decode(errors="replace")
    assert not answers, transcript.decode(errors="replace")
    assert b"AKIDTYPED" in transcript  # the terminal echoes what is typed ...
    assert SECRET.encode() not in transcript  # ... except the secret
    assert SECRET in (home / ".cloudnx" / "credentials").read_text()
