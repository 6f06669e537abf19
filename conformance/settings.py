"""Run settings, resolved CLI > environment (``CNX_*``) > config file > default.

Usable without pytest: the CLI resolves settings itself to fail fast (exit 2) before pytest starts.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.catalogue import PROFILES
from conformance.config import Config, load_config, validate_url
from conformance.contract import contract
from conformance.errors import ConfigError
from conformance.selection import Selection, parse_headers, parse_patterns

__all__ = ["ENV", "Settings", "resolve"]

#: option name -> environment variable
ENV = {
    "target": "CNX_TARGET",
    "config": "CNX_CONFIG",
    "profile": "CNX_PROFILE",
    "report_dir": "CNX_REPORT_DIR",
    "seed": "CNX_SEED",
    "baseline": "CNX_BASELINE",
    "include": "CNX_INCLUDE",
    "exclude": "CNX_EXCLUDE",
    "max_examples": "CNX_MAX_EXAMPLES",
    "headers": "CNX_HEADERS",
    "bearer_token": "CNX_BEARER_TOKEN",
    "run_id": "CNX_RUN_ID",
    "sign_key": "CNX_SIGN_KEY",
}
DEFAULT_PROFILE = "core"
DEFAULT_REPORT_DIR = "reports"


@dataclass(frozen=True)
class Settings:
    target: str | None  # None: the plugin stays inert (the CLI starts the bundled server instead)
    s3_url: str | None
    profile: str
    seed: int
    report_dir: Path
    baseline: Path | None
    config: Config = field(default_factory=Config)
    seed_given: bool = False
    selection: Selection = field(default_factory=Selection)
    max_examples: int | None = None  # overrides the profile's examples per operation (property part)
    headers: tuple[tuple[str, str], ...] = ()  # sent on every request of the run (e.g. a gateway key)
    bearer_token: str | None = None  # presented on signup by a target without open signup
    run_id: str | None = None  # chosen by the CLI so the report directory and resource names agree
    sign_key: Path | None = None  # Ed25519 private key (PEM) that signs the report

    def for_run(self, target: str, report_dir: Path, run_id: str) -> Settings:
        """These settings aimed at ``target`` (a given one or the bundled server), writing into ``report_dir``."""
        return dataclasses.replace(
            self, target=target, s3_url=_s3_url(self.config, target), report_dir=report_dir, run_id=run_id
        )


def resolve(cli: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
    """Merge the sources; raises ConfigError naming the source and the value to fix."""
    env = os.environ if env is None else env

    def pick(name: str) -> tuple[Any, str]:
        if cli.get(name) is not None:
            return cli[name], f"--cnx-{name.replace('_', '-')}"
        if env.get(ENV[name]):
            return env[ENV[name]], ENV[name]
        return None, ""

    config_path, _ = pick("config")
    config = load_config(config_path, env) if config_path else Config()
    target, where = pick("target")
    if target is None and config.target:
        target, where = config.target, f"{config.source}: target.url"
    if target is not None:
        target = validate_url(str(target), where)
    profile, where = pick("profile")
    profile = profile or config.profile or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise ConfigError(f"{where or 'profile'}: unknown profile {profile!r}", hint=f"use one of {PROFILES}")
    seed_raw, where = pick("seed")
    seed_given = seed_raw is not None or config.seed is not None
    if seed_raw is None:
        seed_raw = config.seed if config.seed is not None else int.from_bytes(os.urandom(4), "big") >> 1
    try:
        seed = int(seed_raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: seed must be an integer, got {seed_raw!r}") from None
    if seed < 0:
        raise ConfigError(f"{where}: seed must be non-negative, got {seed}")
    report_dir, _ = pick("report_dir")
    baseline, where = pick("baseline")
    if baseline is not None and not Path(baseline).is_file():
        raise ConfigError(f"{where}: baseline report {baseline} does not exist", hint="pass a report.json of a run")
    if baseline is not None:
        from conformance.report.finish import load_baseline  # the report model only when a baseline is given

        load_baseline(Path(baseline))  # a baseline that does not prove itself is refused before anything runs
    sign_key, where = pick("sign_key")
    if sign_key is not None:
        from conformance.report.integrity import load_private  # cryptography only when signing

        load_private(Path(sign_key))  # an unusable key is a configuration error before anything runs
    extras = _extras(pick)
    return Settings(
        target=target,
        s3_url=_s3_url(config, target) if target else config.s3_url or None,
        profile=str(profile),
        seed=seed,
        report_dir=Path(report_dir or config.report_dir or DEFAULT_REPORT_DIR),
        baseline=Path(baseline) if baseline else None,
        config=config,
        seed_given=seed_given,
        **extras,
        sign_key=Path(sign_key) if sign_key else None,
    )


def _s3_url(config: Config, target: str) -> str:
    # The spec lets an implementation serve the data plane under a prefix of the API host; that is the default.
    return config.s3_url or f"{target}{contract().s3.path_prefix_on_api_host}"


def _extras(pick: Any) -> dict[str, Any]:
    """Selection, example count, extra headers, signup token and run id (CLI or environment only)."""
    include, _ = pick("include")
    exclude, _ = pick("exclude")
    raw_max, where = pick("max_examples")
    max_examples = None
    if raw_max is not None:
        try:
            max_examples = int(raw_max)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: max-examples must be an integer, got {raw_max!r}") from None
        if max_examples < 1:
            raise ConfigError(f"{where}: max-examples must be at least 1, got {max_examples}")
    headers, where = pick("headers")
    token, _ = pick("bearer_token")
    run_id, _ = pick("run_id")
    return {
        "selection": Selection(parse_patterns(include, "include"), parse_patterns(exclude, "exclude")),
        "max_examples": max_examples,
        "headers": parse_headers(headers, where),
        "bearer_token": str(token) if token else None,
        "run_id": str(run_id) if run_id else None,
    }
