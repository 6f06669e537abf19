"""``python -m killmatrix.serve --variant NAME --port N``: serve one fault-injected target on loopback."""

from __future__ import annotations

import argparse
import importlib
import sys

import uvicorn

from killmatrix.app import build
from killmatrix.variants import VARIANTS

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m killmatrix.serve", description=__doc__)
    parser.add_argument(
        "--variant",
        default="none",
        choices=sorted(VARIANTS),
        metavar="NAME",
        help="the broken rule to serve (`none` = the clean reference server); --list shows all",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--list", action="store_true", help="list the variants and the checks that catch them")
    args = parser.parse_args(argv)
    if args.list:
        for name, kind in sorted(VARIANTS.items()):
            print(f"{name:28} {kind.area:12} {','.join(kind.catches) or '-':34} {kind.description}")
        return 0
    app, fault = build(args.variant, host=args.host, port=args.port)
    print(f"killmatrix variant {fault.name!r} ({fault.description}) on http://{args.host}:{args.port}", flush=True)
    serving = importlib.import_module("reference_server.serving")
    # The variant's settings reach the HTTP layer too (its limits live in uvicorn's protocol, not in the app).
    settings = importlib.import_module("reference_server.settings").Settings.load(dict(type(fault).settings))
    uvicorn.Server(serving.uvicorn_config(app, settings, host=args.host, port=args.port, lifespan="auto")).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
