"""Idempotency-Key faults (seed "Idempotency"; draft-ietf-httpapi-idempotency-key-header)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

from killmatrix.fault import Fault
from killmatrix.wire import Forward, Request, Response

__all__ = ["IdemInFlightIgnored", "IdemKeyIgnored", "IdemMismatchAccepted", "IdemReplayDiffers", "IdemScopeLeak"]

_HEADER = "idempotency-key"


class IdemKeyIgnored(Fault):
    name = "idem-key-ignored"
    area = "idempotency"
    description = "the Idempotency-Key header is dropped: every retry creates another resource"
    catches = ("IDEM-REPLAY",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        request.set_header(_HEADER, None)
        return await forward(request)


class IdemReplayDiffers(Fault):
    name = "idem-replay-differs"
    area = "idempotency"
    description = "a replayed response carries a different body than the original (a fresh timestamp)"
    catches = ("IDEM-REPLAY",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        data = response.json()
        if response.header("idempotent-replayed") == "true" and isinstance(data, dict):
            data["name"] = f"{data.get('name', '')}-replayed"[:60] if "name" in data else "replayed"
            response.set_json(data)
        return response


class IdemMismatchAccepted(Fault):
    name = "idem-mismatch-accepted"
    area = "idempotency"
    description = "reusing a key with a different body is processed as a new request instead of 422"
    catches = ("IDEM-MISMATCH-422",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.bodies: dict[tuple[str, str, str, str], str] = {}

    async def handle(self, request: Request, forward: Forward) -> Response:
        key = request.header(_HEADER)
        if key:
            scope = (self.ctx.credential_key(request), request.method, request.path, key)
            digest = hashlib.sha256(request.body).hexdigest()
            if self.bodies.setdefault(scope, digest) != digest:
                request.set_header(_HEADER, str(uuid.uuid4()))
        return await forward(request)


class IdemInFlightIgnored(Fault):
    name = "idem-in-flight-ignored"
    area = "idempotency"
    description = "a duplicate arriving while the first is in flight is processed again instead of 409"
    catches = ("IDEM-IN-FLIGHT-409",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.in_flight: set[tuple[str, str, str, str]] = set()

    async def handle(self, request: Request, forward: Forward) -> Response:
        key = request.header(_HEADER)
        if not key:
            return await forward(request)
        scope = (self.ctx.credential_key(request), request.method, request.path, key)
        if scope in self.in_flight:
            request.set_header(_HEADER, str(uuid.uuid4()))
            return await forward(request)
        self.in_flight.add(scope)
        try:
            # Widen the window a real slow handler would have, so concurrent duplicates do overlap.
            await asyncio.sleep(0.2)
            return await forward(request)
        finally:
            self.in_flight.discard(scope)


class IdemScopeLeak(Fault):
    name = "idem-scope-leak"
    area = "idempotency"
    description = "keys are global: another user's request with the same key gets the first user's response"
    catches = ("IDEM-SCOPE",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.stored: dict[tuple[str, str, str], Response] = {}

    async def handle(self, request: Request, forward: Forward) -> Response:
        key = request.header(_HEADER)
        if not key:
            return await forward(request)
        scope = (request.method, request.path, key)
        if scope in self.stored:
            stored = self.stored[scope]
            replay = Response(stored.status, list(stored.headers), stored.body)
            replay.set_header("idempotent-replayed", "true")
            return replay
        response = await forward(request)
        if response.status < 500:
            self.stored[scope] = response
        return response
