"""``python -m killmatrix.matrix_serve --variant NAME``: serve one variant on a port the process binds itself.

The kill matrix starts dozens of targets on a shared machine. Picking a free port in the parent and handing it
to ``killmatrix.serve`` leaves a window in which another process can take it, and the readiness probe would then
talk to somebody else's server. Here the child binds ``127.0.0.1:0`` itself, builds the same app as
``killmatrix.serve`` (``killmatrix.app.build``) and prints the URL it owns before it starts serving.
"""

from __future__ import annotations

import argparse
import importlib
import socket
import sys

import uvicorn

from killmatrix.app import build
from killmatrix.variants import VARIANTS

__all__ = ["READY_PREFIX", "main"]

#: The first stdout line the parent waits for: ``READY_PREFIX + base URL``.
READY_PREFIX = "killmatrix-url "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m killmatrix.matrix_serve", description=__doc__)
    parser.add_argument("--variant", default="none", choices=sorted(VARIANTS), metavar="NAME")
    args = parser.parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    # The server settings carry host/port (issuer and S3 endpoint URLs are built from them), as in serve.py.
    app, fault = build(args.variant, host=host, port=port)
    print(f"{READY_PREFIX}http://{host}:{port}", flush=True)
    # The reference server's own serving configuration: the same HTTP-layer limits as cloudnx-reference.
    serving = importlib.import_module("reference_server.serving")
    # The variant's settings reach the HTTP layer too (its limits live in uvicorn's protocol, not in the app).
    settings = importlib.import_module("reference_server.settings").Settings.load(dict(type(fault).settings))
    config = serving.uvicorn_config(app, settings, lifespan="auto")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
