"""Config and settings: one TOML file, ${VAR} substitution, precedence, failing fast with what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import load_config, parse_config
from conformance.errors import ConfigError
from conformance.settings import resolve

pytestmark = pytest.mark.suite


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "target.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid(repo_root: Path) -> None:
    config = load_config(repo_root / "examples" / "target.toml", env={"CNX_EXAMPLE_TARGET": "http://127.0.0.1:1"})
    assert config.target == "http://127.0.0.1:1"
    assert config.accounts == ()  # credentials optional: the suite bootstraps


def test_variables_are_substituted_and_dollar_escapes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[target]\nurl = "${HOST_URL}"\n[[accounts]]\nname = "alice"\nemail = "a@x.io"\n'
        'password = "pa$$word-${PW}"\n',
    )
    config = load_config(path, env={"HOST_URL": "https://api.example.test/", "PW": "42"})
    assert config.target == "https://api.example.test"
    assert config.accounts[0].password == "pa$word-42"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[target]\nurl = "${MISSING}"\n', "MISSING"),
        ('[target]\nurl = "ftp://x"\n', "not an http(s) URL"),
        ('[target]\nurll = "http://x"\n', "unknown key(s) target.urll"),
        ('[run]\nprofile = "gold"\n', "run.profile"),
        ("[run]\nseed = -1\n", "run.seed"),
        ('[[waivers]]\ncheck = "NOPE-NOPE"\nreason = "x"\n', "is not a check id"),
        ('[[waivers]]\ncheck = "NO-5XX"\nreason = " "\n', "non-empty `reason`"),
        ('[[accounts]]\nname = "alice"\nemail = "a@x.io"\n', "lacks password"),
        ("[target\n", "not valid TOML"),
    ],
)
def test_bad_config_names_what_to_fix(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert needle in caught.value.describe()


def test_waiver_is_kept_with_its_reason() -> None:
    config = parse_config({"waivers": [{"check": "NO-5XX", "reason": "known, OPS-1"}]}, env={})
    waiver = config.waiver("NO-5XX")
    assert waiver is not None
    assert waiver.reason == "known, OPS-1"


def test_settings_precedence_cli_env_file_default(tmp_path: Path) -> None:
    path = write(tmp_path, '[target]\nurl = "http://127.0.0.1:3"\n[run]\nprofile = "full"\nseed = 7\n')
    from_file = resolve({"config": str(path)}, env={})
    assert (from_file.target, from_file.profile, from_file.seed) == ("http://127.0.0.1:3", "full", 7)
    from_env = resolve({"config": str(path)}, env={"CNX_PROFILE": "ci", "CNX_TARGET": "http://127.0.0.1:4"})
    assert (from_env.target, from_env.profile) == ("http://127.0.0.1:4", "ci")
    from_cli = resolve({"config": str(path), "profile": "core", "seed": 9}, env={"CNX_PROFILE": "ci"})
    assert (from_cli.profile, from_cli.seed) == ("core", 9)
    default = resolve({}, env={})
    assert (default.target, default.profile, str(default.report_dir)) == (None, "core", "reports")
    assert from_file.s3_url == "http://127.0.0.1:3/s3"


def test_settings_for_the_bundled_server_keep_everything_resolved_once(tmp_path: Path) -> None:
    unseeded = resolve({"profile": "ci"}, env={})
    aimed = unseeded.for_run("http://127.0.0.1:5", tmp_path, "abc123")
    # The seed drawn once stays the run's: nothing is resolved (or drawn) again for the started server.
    assert (aimed.seed, aimed.profile, aimed.seed_given) == (unseeded.seed, "ci", False)
    assert (aimed.target, aimed.report_dir, aimed.run_id) == ("http://127.0.0.1:5", tmp_path, "abc123")
    assert aimed.s3_url == resolve({"target": "http://127.0.0.1:5"}, env={}).s3_url
