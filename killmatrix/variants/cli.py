"""A fault for clients that retry: the answer to one unsafe call is lost after the server has acted.

Networks lose answers (a reset, a proxy timeout): the seed's ``Idempotency-Key`` exists so that a client can send
the call again without acting twice. This target acts on the first mutating call that carries a key, then closes
the connection after the status line, before the body its Content-Length promises (RFC 9112 §6.3: an incomplete
message), so the client never receives a usable answer. Every later exchange passes untouched.

It breaks no rule of the contract a conformance check could name (the server acted correctly; the network lost
the answer), so it is not one of the kill matrix's ``VARIANTS``, which must each be caught by a check. It is the
target of the ``cloudnx`` CLI's retry test, served by ``python -m killmatrix.variants.cli`` on a port the process
binds itself (it prints ``killmatrix-url <base URL>`` first, as ``killmatrix.matrix_serve`` does).
"""

from __future__ import annotations

import socket
import sys

import uvicorn

import cloudnx_spec
from killmatrix.app import build_fault
from killmatrix.context import Context
from killmatrix.fault import Fault
from killmatrix.matrix_serve import READY_PREFIX
from killmatrix.wire import Forward, Request, Response

__all__ = ["CLIENT_FAULTS", "AnswerLost", "main"]

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # RFC 9110 §9.2.1: everything but the safe methods


class _Truncated(Response):
    """A response whose headers promise a body that never comes: the server drops the connection instead."""

    def finish(self) -> None:
        self.set_header("content-length", str(max(len(self.body), 1)))
        self.body = b""  # uvicorn sends the headers, finds the body short, and closes the connection


class AnswerLost(Fault):
    name = "answer-lost"
    area = "transport"
    description = "the first answer to a call with an Idempotency-Key is lost after the server acted (no body)"
    catches = ()  # no check can name it: see the module docstring

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.lost: list[tuple[str, str]] = []  # (method, path) of the answers swallowed: one at most

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        header = cloudnx_spec.idempotency().header
        if self.lost or request.method not in _UNSAFE or not request.header(header):
            return response
        self.lost.append((request.method, request.path))
        return _Truncated(response.status, list(response.headers), response.body)


#: Faults for the kit's client tests, by name (outside the kill matrix).
CLIENT_FAULTS: dict[str, type[Fault]] = {AnswerLost.name: AnswerLost}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    name = args[0] if args else AnswerLost.name
    if name not in CLIENT_FAULTS:
        print(f"unknown client fault {name!r}; known: {', '.join(CLIENT_FAULTS)}", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    app, _fault = build_fault(CLIENT_FAULTS[name], host=host, port=port)
    print(f"{READY_PREFIX}http://{host}:{port}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="auto")).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
