"""The target config: one TOML file, ``${VAR}`` substitution, validated before any test runs.

Every problem raises :class:`ConfigError` naming the file, the key and what to write instead. Credentials are
optional: without them the suite bootstraps its accounts through the target's public API.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.catalogue import PROFILES
from conformance.errors import ConfigError

__all__ = ["AccountCredentials", "Config", "Waiver", "load_config", "parse_config", "validate_url"]

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TOP = {"target", "run", "accounts", "waivers", "pacing"}
_TARGET = {"url", "s3_url", "timeout", "verify_tls"}
_RUN = {"profile", "seed", "report_dir"}
_ACCOUNT = {"name", "email", "password"}
_WAIVER = {"check", "reason"}
_PACING = {"fraction", "identities"}


@dataclass(frozen=True)
class AccountCredentials:
    """An existing account the suite logs into instead of signing up (the kit still creates its IAM users)."""

    name: str
    email: str
    password: str


@dataclass(frozen=True)
class Waiver:
    """A known deviation of the target: the check still runs and is reported as `waived`, never `passed`."""

    check: str
    reason: str


@dataclass(frozen=True)
class Config:
    target: str | None = None
    s3_url: str | None = None  # default: <target>/s3 (the spec's path_prefix_on_api_host)
    timeout: float = 10.0
    verify_tls: bool = True
    profile: str | None = None
    seed: int | None = None
    report_dir: str | None = None
    accounts: tuple[AccountCredentials, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    pacing_fraction: float = 0.8  # share of the spec's rate limit the suite offers per identity
    identities: int = 4  # identities the property-based part spreads its traffic over
    source: Path | None = field(default=None, compare=False)

    def waiver(self, check_id: str) -> Waiver | None:
        return next((w for w in self.waivers if w.check == check_id), None)


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a TOML target config."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {file}: {exc.strerror}", hint="pass an existing file") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}", hint="see examples/target.toml") from exc
    return parse_config(data, source=file, env=os.environ if env is None else env)


def parse_config(data: Mapping[str, Any], *, source: Path | None = None, env: Mapping[str, str]) -> Config:
    where = str(source or "config")
    data = _substitute(data, env, where, "")
    _keys(data, _TOP, where, "")
    target = _table(data, "target", _TARGET, where)
    run = _table(data, "run", _RUN, where)
    pacing = _table(data, "pacing", _PACING, where)
    url = _opt_str(target, "url", where, "target.url")
    s3_url = _opt_str(target, "s3_url", where, "target.s3_url")
    url = validate_url(url, f"{where}: target.url") if url is not None else None
    s3_url = validate_url(s3_url, f"{where}: target.s3_url") if s3_url is not None else None
    profile = _opt_str(run, "profile", where, "run.profile")
    if profile is not None and profile not in PROFILES:
        raise ConfigError(f"{where}: run.profile = {profile!r}", hint=f"use one of {', '.join(PROFILES)}")
    seed = run.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ConfigError(f"{where}: run.seed must be a non-negative integer, got {seed!r}")
    timeout = target.get("timeout", 10.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 300:
        raise ConfigError(f"{where}: target.timeout must be seconds in (0, 300], got {timeout!r}")
    verify = target.get("verify_tls", True)
    if not isinstance(verify, bool):
        raise ConfigError(f"{where}: target.verify_tls must be true or false")
    fraction = pacing.get("fraction", 0.8)
    if not isinstance(fraction, int | float) or not 0.05 <= fraction <= 0.95:
        raise ConfigError(f"{where}: pacing.fraction must be in [0.05, 0.95] of the spec's rate limit")
    identities = pacing.get("identities", 4)
    if not isinstance(identities, int) or not 1 <= identities <= 16:
        raise ConfigError(f"{where}: pacing.identities must be an integer 1..16")
    return Config(
        target=url,
        s3_url=s3_url,
        timeout=float(timeout),
        verify_tls=verify,
        profile=profile,
        seed=seed,
        report_dir=_opt_str(run, "report_dir", where, "run.report_dir"),
        accounts=_accounts(data.get("accounts", []), where),
        waivers=_waivers(data.get("waivers", []), where),
        pacing_fraction=float(fraction),
        identities=identities,
        source=source,
    )


def validate_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {url!r} is not an http(s) URL", hint="write it like http://127.0.0.1:8080")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {url!r} must not carry a query or fragment")
    return url.rstrip("/")


def _accounts(raw: Any, where: str) -> tuple[AccountCredentials, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: accounts must be an array of tables ([[accounts]])")
    result = []
    for index, item in enumerate(raw):
        label = f"accounts[{index}]"
        _keys(item, _ACCOUNT, where, label + ".")
        values = {key: _opt_str(item, key, where, f"{label}.{key}") for key in _ACCOUNT}
        missing = [key for key, value in values.items() if not value]
        if missing:
            raise ConfigError(f"{where}: {label} lacks {', '.join(sorted(missing))}")
        result.append(AccountCredentials(**values))  # type: ignore[arg-type]
    names = [account.name for account in result]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: accounts names must be unique, got {names}")
    return tuple(result)


def _waivers(raw: Any, where: str) -> tuple[Waiver, ...]:
    # Imported here: the catalogue module is cheap, but keeping config importable without it aids tests.
    from conformance.catalogue import catalogue

    if not isinstance(raw, list):
        raise ConfigError(f"{where}: waivers must be an array of tables ([[waivers]])")
    result = []
    for index, item in enumerate(raw):
        label = f"waivers[{index}]"
        _keys(item, _WAIVER, where, label + ".")
        check_id = _opt_str(item, "check", where, f"{label}.check")
        reason = _opt_str(item, "reason", where, f"{label}.reason")
        if not check_id or not reason or not reason.strip():
            raise ConfigError(f"{where}: {label} needs both `check` and a non-empty `reason`")
        if check_id not in catalogue():
            raise ConfigError(
                f"{where}: {label}.check = {check_id!r} is not a check id",
                hint="list the ids with `cloudnx-conformance checks`",
            )
        result.append(Waiver(check_id, reason.strip()))
    return tuple(result)


def _table(data: Mapping[str, Any], key: str, allowed: set[str], where: str) -> Mapping[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    _keys(table, allowed, where, key + ".")
    return table


def _keys(table: Any, allowed: set[str], where: str, prefix: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'the file'} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(prefix + k for k in unknown)}",
            hint=f"allowed here: {', '.join(sorted(prefix + k for k in allowed))}",
        )


def _opt_str(table: Mapping[str, Any], key: str, where: str, label: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}: {label} must be a string, got {type(value).__name__}")
    return value


def _substitute(value: Any, env: Mapping[str, str], where: str, path: str) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "$"  # `$$` escapes a literal dollar
            if name not in env:
                raise ConfigError(
                    f"{where}: {path or 'a value'} uses ${{{name}}} but the environment has no {name}",
                    hint=f"export {name}=... or write the value into the file",
                )
            return env[name]

        return _VAR.sub(replace, value)
    if isinstance(value, dict):
        return {k: _substitute(v, env, where, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, env, where, f"{path}[{i}]") for i, v in enumerate(value)]
    return value
