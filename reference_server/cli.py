"""``cloudnx-reference``: serve the reference server with uvicorn and print its base URL once it listens.

Options override ``CNX_REF_*`` environment variables, which override the spec's defaults (settings.py).
``--port 0`` picks a free port; the printed URL names it, so scripts and tests can read it from stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from collections.abc import Sequence

import uvicorn

from reference_server.app import create_app
from reference_server.serving import uvicorn_config
from reference_server.settings import RATE_LIMITERS, Settings, SettingsError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloudnx-reference", description="CloudNx reference server")
    parser.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port to bind; 0 picks a free one (default 8080)")
    parser.add_argument("--rate-limit", type=int, default=None, help="requests per window per principal")
    parser.add_argument("--rate-window-seconds", type=float, default=None, help="limiter window in seconds")
    parser.add_argument(
        "--rate-limiter",
        choices=RATE_LIMITERS,
        default=None,
        help="sliding-window (default: at most the limit in any window) or token-bucket (the limit per second, "
        "bursting up to --rate-burst); both honour the spec's soft limit",
    )
    parser.add_argument("--rate-burst", type=int, default=None, help="token-bucket capacity (default: the spec's)")
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
    parser.add_argument(
        "--s3-port",
        type=int,
        default=None,
        help="also serve the S3 data plane at the root of this port (0 picks a free one; default: only under /s3)",
    )
    parser.add_argument(
        "--storage-dir",
        default=None,
        help="directory for object bytes (default: a temporary one, removed at exit); object records live in memory, "
        "so a restart starts with no objects",
    )
    _http_options(parser.add_argument_group("HTTP layer limits (answers 414/431/408/503 as JSON)"))
    return parser


_HTTP_OPTIONS = (
    ("max-request-line", int, "longest request line in bytes; longer answers 414 (default 8192)"),
    ("max-header-bytes", int, "largest header block in bytes; larger answers 431 (default 32768)"),
    ("max-headers", int, "most header fields; more answers 431 (default 100)"),
    ("head-timeout", float, "seconds for a whole request head; slower answers 408 and closes (default 10)"),
    ("body-timeout", float, "seconds of grace for a body, plus 1 s per --http-body-min-rate bytes (default 30)"),
    ("body-min-rate", int, "bytes/s a body must keep up after its grace, else the connection closes (1024)"),
    ("keep-alive-timeout", float, "seconds an idle kept-alive connection stays open (default 5)"),
    ("keep-alive-max-requests", int, "requests per connection; the last answers Connection: close (1000)"),
    ("max-connections", int, "open connections; one more answers 503 with Retry-After (default 1000)"),
)


def _http_options(group: argparse._ArgumentGroup) -> None:
    for name, kind, text in _HTTP_OPTIONS:
        group.add_argument(f"--http-{name}", type=kind, default=None, help=text)


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, label: str = "CloudNx reference server") -> None:
        super().__init__(config)
        self.label = label

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            print(f"{self.label} listening on http://{host}:{port}", flush=True)


async def _serve_all(servers: list[_AnnouncingServer]) -> None:
    """Run the API and the S3 port in one loop; when one stops (a signal, an error), stop the other too."""
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks)


def main(argv: Sequence[str] | None = None) -> int:
    args = vars(build_parser().parse_args(argv))
    try:
        settings = Settings.load(args)
    except SettingsError as exc:
        print(f"cloudnx-reference: {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    config = uvicorn_config(app, settings)
    if settings.s3_port is None or app.s3_app is None:
        _AnnouncingServer(config).run()
        return 0
    s3_config = uvicorn_config(app.s3_app.standalone(), settings, port=settings.s3_port, lifespan="off")
    servers = [_AnnouncingServer(config), _AnnouncingServer(s3_config, "CloudNx S3 data plane")]
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(_serve_all(servers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
