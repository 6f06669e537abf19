"""Server settings: one frozen dataclass resolved CLI option > ``CNX_REF_<FIELD>`` environment > default.

Defaults for everything the contract fixes (rate limit, lifetimes, body limit, SigV4 scope, JWT issuer and
audience) come from the typed contract model, so a tester changing the spec changes the server too.
"""

from __future__ import annotations

import dataclasses
import os
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin, get_type_hints

import cloudnx_spec

__all__ = ["ENV_PREFIX", "Settings", "SettingsError"]

ENV_PREFIX = "CNX_REF_"
RATE_LIMITERS = ("sliding-window", "token-bucket")


class SettingsError(ValueError):
    """A setting given by option or environment cannot be used."""


def _spec(read: Callable[[], Any]) -> Any:
    """A field whose default is a contract value, read from the typed model when a Settings is built."""
    return field(default_factory=read)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    # Contract values (rate limit, lifetimes, body limit, SigV4 scope): the spec's, unless overridden.
    rate_limit: int = _spec(lambda: cloudnx_spec.rate_limit().requests_per_second)
    rate_window_seconds: float = _spec(lambda: cloudnx_spec.rate_limit().window_seconds)
    # Both algorithms honour the spec's soft limit (sustained rate + burst); the token bucket holds rate_burst.
    rate_limiter: str = "sliding-window"
    rate_burst: int = _spec(lambda: cloudnx_spec.rate_limit().burst)
    access_token_seconds: int = _spec(lambda: cloudnx_spec.lifetimes().access_token_seconds)
    refresh_token_seconds: int = _spec(lambda: cloudnx_spec.lifetimes().refresh_token_seconds)
    exchange_token_seconds: int = _spec(lambda: cloudnx_spec.lifetimes().exchange_token_seconds)
    idempotency_key_seconds: int = _spec(lambda: cloudnx_spec.lifetimes().idempotency_key_seconds)
    sigv4_clock_skew_seconds: int = _spec(lambda: cloudnx_spec.lifetimes().sigv4_clock_skew_seconds)
    max_body_bytes: int = _spec(lambda: cloudnx_spec.limits().max_body_bytes)
    max_json_depth: int = _spec(lambda: cloudnx_spec.limits()["max_json_depth"])
    region: str = _spec(lambda: cloudnx_spec.sigv4().region)
    sigv4_service: str = _spec(lambda: cloudnx_spec.sigv4().service)
    # Query-string (presigned) SigV4 on the control plane: the longest X-Amz-Expires accepted.
    sigv4_presigned_max_seconds: int = _spec(lambda: cloudnx_spec.sigv4().presigned_max_seconds)
    # Delayed state transitions (compute/storage); zero makes them complete on the next read.
    boot_delay: float = 0.0
    stop_delay: float = 0.0
    terminate_delay: float = 0.0
    copy_delay: float = 0.0
    # RS256 signing key: a PEM file, or None to generate a fresh 2048-bit key at start.
    signing_key_path: str | None = None
    jwt_issuer: str = _spec(lambda: cloudnx_spec.jwt().issuer)
    jwt_audience: str = _spec(lambda: cloudnx_spec.jwt().audience)
    # Validate the server's own responses against the spec; a drift then answers 500 and is logged.
    debug_validation: bool = False
    # Verified-token cache entries (bounded so a token flood cannot grow memory).
    token_cache_size: int = 10000
    # Distinct limiter keys kept (principals + client addresses); the least recently used go first.
    limiter_max_keys: int = 100000
    log_level: str = "warning"
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses or networks, "*"
    # for any). Empty: none, so the client address is always the TCP peer's and cannot be forged by a header.
    forwarded_allow_ips: str = ""
    # The contract's rule that exchanged tokens end with their access key (spec: iam_exchange_credentials). Only
    # the kill matrix turns it off, to show that the suite notices a server without it.
    exchanged_tokens_end_with_key: bool = True
    # Memory bounds (docs/server-internals.md, "Hardening"): idempotency records per principal and in all (the least
    # recently used is forgotten first), open sessions per user (a new login ends the oldest), rotated refresh
    # tokens kept per session for reuse detection (the oldest is forgotten first).
    idempotency_max_per_principal: int = 10_000
    idempotency_max_records: int = 200_000
    sessions_max_per_user: int = 100
    refresh_tokens_kept: int = 100
    # The S3 data plane: where object bytes live (None: a fresh temporary directory, removed at exit), and an
    # optional port of its own serving it at the root (None: only under /s3 of the API port; 0: a free port).
    storage_dir: str | None = None
    s3_port: int | None = None
    # The HTTP layer's limits (reference_server.http_limits; README "Reference server" says what each answers).
    http_max_request_line: int = 8192
    http_max_header_bytes: int = 32768
    http_max_headers: int = 100
    http_head_timeout: float = 10.0
    http_body_timeout: float = 30.0
    http_body_min_rate: int = 1024
    http_keep_alive_timeout: float = 5.0
    http_keep_alive_max_requests: int = 1000
    http_max_connections: int = 1000

    @classmethod
    def load(cls, options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Resolve every field: ``options`` (CLI; None values ignored) > environment > default (the spec's)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
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
        if self.rate_limiter not in RATE_LIMITERS:
            raise SettingsError(f"rate_limiter must be one of {', '.join(RATE_LIMITERS)}, not {self.rate_limiter!r}")
        if self.rate_burst < 1:
            raise SettingsError("rate_burst must be >= 1")
        for name in ("boot_delay", "stop_delay", "terminate_delay", "copy_delay"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must be >= 0")
        for name in (f.name for f in dataclasses.fields(self) if f.name.startswith("http_")):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be > 0")
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
