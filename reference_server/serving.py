"""How the reference server is served: one uvicorn configuration for ``cloudnx-reference`` and for every tool that
serves the app itself (the kill matrix), so each gets the same HTTP-layer limits and forwarded-header policy."""

from __future__ import annotations

import importlib.util
from typing import Any

import uvicorn

from reference_server.http_limits import HttpLimits, limited_protocol
from reference_server.settings import Settings

__all__ = ["http_limits", "uvicorn_config"]


def http_limits(settings: Settings) -> HttpLimits:
    return HttpLimits(
        max_request_line=settings.http_max_request_line,
        max_header_bytes=settings.http_max_header_bytes,
        max_headers=settings.http_max_headers,
        head_timeout=settings.http_head_timeout,
        body_timeout=settings.http_body_timeout,
        body_min_rate=settings.http_body_min_rate,
        keep_alive_max_requests=settings.http_keep_alive_max_requests,
        max_connections=settings.http_max_connections,
    )


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """uvicorn's Config for ``app``: httptools with http_limits, uvloop when installed, ``overrides`` last."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": False,
        "lifespan": "on",
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the client address feeds the anonymous rate
        # limit, cnx:SourceIp conditions and the audit log, so only configured proxies may set it.
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
        "timeout_keep_alive": settings.http_keep_alive_timeout,
        # httptools (about 3x h11's throughput) with the limits uvicorn lacks; uvloop is optional.
        "http": limited_protocol(http_limits(settings)),
        # The spec has no WebSocket operation. With a WebSocket library installed, uvicorn would hand an upgrade
        # request to a WebSocket protocol the app never answers, holding the connection past every timeout; without
        # one, an Upgrade header is ignored and the request is answered like any other (RFC 9110 §7.8).
        "ws": "none",
    }
    if importlib.util.find_spec("uvloop") is not None:
        options["loop"] = "uvloop"
    return uvicorn.Config(app, **{**options, **overrides})
