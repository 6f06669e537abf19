"""Profiles: ``~/.cloudnx/config`` (endpoint, output, auth) and ``~/.cloudnx/credentials`` (the access key).

Both are INI files with one section per profile name, as the AWS CLI keeps them, written 0600 inside a 0700
directory: the credentials file holds a secret. A value resolves from the command line, then the environment
(``CLOUDNX_PROFILE``, ``CLOUDNX_ENDPOINT``, ``CLOUDNX_ACCESS_KEY_ID``, ``CLOUDNX_SECRET_ACCESS_KEY``), then the
profile's files.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cloudnx_cli.errors import UsageError

__all__ = [
    "CONFIG_KEYS",
    "CREDENTIAL_KEYS",
    "Profile",
    "config_dir",
    "read_profile",
    "resolve",
    "write_private",
    "write_profile",
]

DEFAULT_PROFILE = "default"
CONFIG_KEYS = ("endpoint", "output", "auth")
CREDENTIAL_KEYS = ("access_key_id", "secret_access_key")
_ENV = {
    "endpoint": "CLOUDNX_ENDPOINT",
    "access_key_id": "CLOUDNX_ACCESS_KEY_ID",
    "secret_access_key": "CLOUDNX_SECRET_ACCESS_KEY",
}


@dataclass(frozen=True)
class Profile:
    name: str
    endpoint: str | None
    access_key_id: str | None
    secret_access_key: str | None
    output: str | None
    auth: str | None

    def require_endpoint(self) -> str:
        if not self.endpoint:
            raise UsageError(
                f"no endpoint for profile {self.name!r}: "
                "run `cloudnx configure`, or pass --endpoint or CLOUDNX_ENDPOINT"
            )
        return self.endpoint.rstrip("/")

    def require_key(self) -> tuple[str, str]:
        if not (self.access_key_id and self.secret_access_key):
            raise UsageError(
                f"no access key for profile {self.name!r}: run `cloudnx configure` or set "
                "CLOUDNX_ACCESS_KEY_ID and CLOUDNX_SECRET_ACCESS_KEY"
            )
        return self.access_key_id, self.secret_access_key


def config_dir() -> Path:
    return Path.home() / ".cloudnx"


def _read(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise UsageError(f"{path} is not a valid INI file ({exc.message}); fix or remove it") from exc
    return parser


def read_profile(name: str) -> dict[str, str]:
    """The profile's values as stored (config and credentials merged); empty when it does not exist."""
    values: dict[str, str] = {}
    for filename in ("config", "credentials"):
        parser = _read(config_dir() / filename)
        if parser.has_section(name):
            values.update(parser.items(name))
    return values


def resolve(profile: str | None, endpoint: str | None, environ: Mapping[str, str]) -> Profile:
    name = profile or environ.get("CLOUDNX_PROFILE") or DEFAULT_PROFILE
    stored = read_profile(name)
    if profile and not stored and not environ.get("CLOUDNX_ACCESS_KEY_ID"):
        raise UsageError(f"profile {name!r} is not configured: run `cloudnx configure --profile {name}`")
    values = {key: environ.get(var) or stored.get(key) for key, var in _ENV.items()}
    return Profile(
        name=name,
        endpoint=endpoint or values["endpoint"],
        access_key_id=values["access_key_id"],
        secret_access_key=values["secret_access_key"],
        output=stored.get("output"),
        auth=stored.get("auth"),
    )


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as 0600 from the first byte (no window where another user can read it)."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for directory in reversed(missing):  # each one 0700: mkdir(parents=True) would leave parents 0755
        directory.mkdir(mode=0o700, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)  # the umask may have narrowed it further; never widened
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_profile(name: str, values: Mapping[str, str]) -> None:
    """Store ``values`` in profile ``name``: config keys in ``config``, the key pair in ``credentials``."""
    for filename, keys in (("config", CONFIG_KEYS), ("credentials", CREDENTIAL_KEYS)):
        path = config_dir() / filename
        parser = _read(path)
        if not parser.has_section(name):
            parser.add_section(name)
        for key in keys:
            if values.get(key):
                parser.set(name, key, values[key])
        lines: list[str] = []
        for section in parser.sections():
            lines.append(f"[{section}]")
            lines.extend(f"{key} = {value}" for key, value in parser.items(section))
            lines.append("")
        write_private(path, "\n".join(lines))
