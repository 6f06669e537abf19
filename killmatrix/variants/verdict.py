"""Faults against the verdict itself: a contract broken during the suite's setup, a target that dies mid-run.

Each must end NON-CONFORMANT (exit 1) under the check of the broken rule, never as a kit error: the first because
the suite's own bootstrap meets the breach (signup answering 200), the second because the failures found before
the target stopped answering stay evidence (the rest of the run is reported not-run, with the time it stopped).

``KILLMATRIX_DIES_AFTER`` (environment of the served process) moves the point where ``dies-mid-run`` exits, so a
test can make it die inside a small selection.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from killmatrix import routes
from killmatrix.fault import Fault
from killmatrix.wire import Forward, Request, Response

__all__ = ["BootstrapCreate200", "DiesMidRun"]


class BootstrapCreate200(Fault):
    name = "bootstrap-create-200"
    area = "status"
    description = "every create answers 200 instead of 201, the auth ones the suite bootstraps with included"
    catches = ("STATUS-CREATE-201",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 201:
            response.status = 200
        return response


class DiesMidRun(Fault):
    name = "dies-mid-run"
    area = "verdict"
    description = "404s come back as text/plain, then the process exits after a few hundred requests"
    catches = ("ERR-SHAPE",)
    #: requests served before the process exits: past the setup and the first error-shape checks of a ci run
    serve: ClassVar[int] = 800

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.served = 0
        self.limit = int(os.environ.get("KILLMATRIX_DIES_AFTER", self.serve))

    async def handle(self, request: Request, forward: Forward) -> Response:
        self.served += 1
        if self.served > self.limit:
            os._exit(3)  # no answer, no goodbye: connections are reset, then refused
        response = await forward(request)
        if response.status == 404 and routes.service_of(request.path) in ("auth", "compute", "storage"):
            response.set_header("content-type", "text/plain")
            response.body = b"not found"
        return response
