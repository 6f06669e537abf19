"""``cloudnx-reference``: serve the reference server with uvicorn and print its base URL once it listens.

Options override ``CNX_REF_*`` environment variables, which override the spec's defaults (settings.py).
``--port 0`` picks a free port; the printed URL names it, so scripts and tests can read it from stdout.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import sys
from collections.abc import Sequence
from typing import Any

import uvicorn

from reference_server.app import create_app
from reference_server.settings import Settings, SettingsError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloudnx-reference", description="CloudNx reference server")
    parser.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port to bind; 0 picks a free one (default 8080)")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per window per principal")
    parser.add_argument("--rate-window-seconds", type=float, default=None, help="limiter window in seconds")
    parser.add_argument("--access-token-seconds", type=int, default=None, help="lifetime of cnx_access")
    parser.add_argument("--refresh-token-seconds", type=int, default=None, help="lifetime of cnx_refresh")
    parser.add_argument("--exchange-token-seconds", type=int, default=None, help="lifetime of exchanged tokens")
    for name in ("boot", "stop", "terminate", "copy"):
        parser.add_argument(f"--{name}-delay", type=float, default=None, help=f"{name} transition delay (s)")
    parser.add_argument("--signing-key-path", default=None, help="RSA private key PEM for RS256 (default: new key)")
    parser.add_argument(
        "--debug-validation",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="validate the server's own responses against the spec (drift answers 500)",
    )
    parser.add_argument("--log-level", default=None, help="uvicorn log level (default warning)")
    parser.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="proxies whose X-Forwarded-For is believed: comma-separated addresses/networks, '*' any (default none)",
    )
    return parser


class _AnnouncingServer(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"CloudNx reference server listening on http://{host}:{port}", flush=True)


def _fast_stack() -> dict[str, Any]:
    # uvloop + httptools when installed (brief §6: ~3x h11's throughput); the pure-Python stack otherwise.
    stack: dict[str, Any] = {}
    if importlib.util.find_spec("uvloop") is not None:
        stack["loop"] = "uvloop"
    if importlib.util.find_spec("httptools") is not None:
        stack["http"] = "httptools"
    return stack


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    try:
        settings = Settings.load(args)
    except SettingsError as exc:
        print(f"cloudnx-reference: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        lifespan="on",
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the client address feeds the anonymous rate
        # limit, cnx:SourceIp conditions and the audit log, so only configured proxies may set it.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        **_fast_stack(),
    )
    _AnnouncingServer(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
