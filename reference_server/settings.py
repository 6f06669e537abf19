"""Server settings: one frozen dataclass resolved CLI option > ``CNX_REF_<FIELD>`` environment > default.

Defaults for everything the contract fixes (rate limit, lifetimes, body limit, SigV4 scope) come from the
spec's ``x-cloudnx-*`` root extensions, so a tester changing the spec changes the server too.
"""

from __future__ import annotations

import dataclasses
import os
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

import cloudnx_spec

__all__ = ["ENV_PREFIX", "Settings", "SettingsError"]

ENV_PREFIX = "CNX_REF_"


class SettingsError(ValueError):
    """A setting given by option or environment cannot be used."""


def _ext(name: str) -> dict[str, Any]:
    value = cloudnx_spec.load().get(name)
    if not isinstance(value, dict):
        raise cloudnx_spec.SpecError(f"spec root extension {name} is missing or not a mapping")
    return value


def _spec_defaults() -> dict[str, Any]:
    lifetimes = _ext("x-cloudnx-lifetimes")
    rate = _ext("x-cloudnx-rate-limit")
    limits = _ext("x-cloudnx-limits")
    schemes = cloudnx_spec.load()["components"]["securitySchemes"]
    sigv4 = schemes["sigv4"]["x-cloudnx-sigv4"]
    jwt = schemes["bearerAuth"]["x-cloudnx-jwt"]
    return {
        "rate_limit": int(rate["requests_per_second"]),
        "rate_window_seconds": float(rate["window_seconds"]),
        "access_token_seconds": int(lifetimes["access_token_seconds"]),
        "refresh_token_seconds": int(lifetimes["refresh_token_seconds"]),
        "exchange_token_seconds": int(lifetimes["exchange_token_seconds"]),
        "idempotency_key_seconds": int(lifetimes["idempotency_key_seconds"]),
        "sigv4_clock_skew_seconds": int(lifetimes["sigv4_clock_skew_seconds"]),
        "max_body_bytes": int(limits["max_body_bytes"]),
        "region": str(sigv4["region"]),
        "sigv4_service": str(sigv4["service"]),
        "jwt_issuer": str(jwt["issuer"]),
        "jwt_audience": str(jwt["audience"]),
    }


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    # From x-cloudnx-rate-limit / x-cloudnx-lifetimes / x-cloudnx-limits / the sigv4 scheme (see load()).
    rate_limit: int = 30
    rate_window_seconds: float = 1.0
    access_token_seconds: int = 900
    refresh_token_seconds: int = 2592000
    exchange_token_seconds: int = 900
    idempotency_key_seconds: int = 86400
    sigv4_clock_skew_seconds: int = 900
    max_body_bytes: int = 65536
    region: str = "in-mum"
    sigv4_service: str = "cloudnx"
    # Delayed state transitions (compute/storage); zero makes them complete on the next read.
    boot_delay: float = 0.0
    stop_delay: float = 0.0
    terminate_delay: float = 0.0
    copy_delay: float = 0.0
    # RS256 signing key: a PEM file, or None to generate a fresh 2048-bit key at start.
    signing_key_path: str | None = None
    jwt_issuer: str = "https://cloudnx.in/auth"
    jwt_audience: str = "https://cloudnx.in"
    # Validate the server's own responses against the spec; a drift then answers 500 and is logged.
    debug_validation: bool = False
    # Verified-token cache entries (bounded so a token flood cannot grow memory).
    token_cache_size: int = 10000
    # Distinct limiter keys kept (principals + client addresses); the least recently used go first.
    limiter_max_keys: int = 100000
    log_level: str = "warning"

    @classmethod
    def load(cls, options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Resolve every field: ``options`` (CLI; None values ignored) > environment > spec > field default."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = _spec_defaults()
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.name, hints[f.name], raw)
        for name, value in (options or {}).items():
            if value is None:
                continue
            if name not in hints:
                raise SettingsError(f"unknown setting {name!r}")
            values[name] = _coerce(name, hints[name], value) if isinstance(value, str) else value
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.rate_limit < 1 or self.rate_window_seconds <= 0:
            raise SettingsError("rate_limit must be >= 1 and rate_window_seconds > 0")
        for name in ("boot_delay", "stop_delay", "terminate_delay", "copy_delay"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must be >= 0")
        if self.signing_key_path is not None and not os.path.isfile(self.signing_key_path):
            raise SettingsError(f"signing key PEM not found: {self.signing_key_path}")


def _coerce(name: str, hint: Any, raw: str) -> Any:
    target = hint
    if get_origin(hint) in (Union, types.UnionType):
        target = next(a for a in get_args(hint) if a is not type(None))
        if raw == "":
            return None
    try:
        if target is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        return target(raw)
    except ValueError as exc:
        raise SettingsError(f"setting {name}: cannot read {raw!r} as {target.__name__}") from exc
