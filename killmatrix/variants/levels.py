"""Faults against rules the level split made their own checks: each breaks one RECOMMENDED rule only.

A RECOMMENDED rule fails only the ``strict`` profile (``conformance/catalogue.yaml``), so these variants are
killed in ``strict`` and reported, never failing, in ``core``: they prove the split checks can fail.
"""

from __future__ import annotations

import re

import cloudnx_spec
from killmatrix.fault import Fault
from killmatrix.variants.auth import CookieNoHttpOnly
from killmatrix.wire import Forward, Request, Response

__all__ = ["CookieLaxInsecure", "LookupBeforeAuthorize", "ReplayUnmarked"]


class CookieLaxInsecure(CookieNoHttpOnly):
    name = "cookie-lax-insecure"
    area = "auth"
    description = "session cookies lose Secure and go SameSite=Lax (HttpOnly kept)"
    catches = ("COOKIE-ATTRIBUTES",)

    def rewrite(self, cookie: str) -> str:
        cookie = re.sub(r";\s*Secure(?=;|$)", "", cookie, flags=re.IGNORECASE)
        return re.sub(r"SameSite=\w+", "SameSite=Lax", cookie, flags=re.IGNORECASE)


class LookupBeforeAuthorize(Fault):
    name = "iam-lookup-first"
    area = "status"
    description = "a denied action on an id nobody created answers 404 (lookup before authorization)"
    catches = ("IAM-DENY-BEFORE-LOOKUP",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 403 and self.ctx.owner_of_path(request.path) is None and request.method != "POST":
            response.status = 404
            response.set_json({"error": "not found"})
        return response


class ReplayUnmarked(Fault):
    name = "idem-replay-unmarked"
    area = "idempotency"
    description = "replays carry no Idempotent-Replayed header (the replay itself is right)"
    catches = ("IDEM-REPLAYED-HEADER",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        response.set_header(cloudnx_spec.idempotency().replay_header, None)
        return response
