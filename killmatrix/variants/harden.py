"""Hardening faults: state a client should not be able to choose or keep — the address the limiter counts, a
presigned control-plane request past its 15 minutes, a bearer token past the access key it was exchanged from.
Each is what the reference server did before it was hardened."""

from __future__ import annotations

from typing import ClassVar

from killmatrix.fault import Fault
from killmatrix.wire import Forward, Request, Response

__all__ = ["ExchangedTokenSurvivesKey", "PresignOutlivesFifteenMinutes", "RateLimitByForwardedFor"]


class RateLimitByForwardedFor(Fault):
    name = "ratelimit-forwarded-for"
    area = "ratelimit"
    description = "X-Forwarded-For is believed from any peer: the anonymous limiter counts whatever address it names"
    catches = ("RATE-FORWARDED-NOT-TRUSTED",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        forwarded = request.header("x-forwarded-for")
        if forwarded:
            # What a server trusting every peer's proxy headers does: the first (client-written) hop wins.
            request.scope = {**request.scope, "client": (forwarded.split(",")[0].strip(), 0)}
        return await forward(request)


class PresignOutlivesFifteenMinutes(Fault):
    name = "presign-outlives-15min"
    area = "auth"
    description = "query-string SigV4 on the control plane accepts X-Amz-Expires up to 7 days (S3's ceiling)"
    catches = ("SIGV4-PRESIGNED-LIFETIME",)
    settings: ClassVar[dict[str, object]] = {"sigv4_presigned_max_seconds": 604800}


class ExchangedTokenSurvivesKey(Fault):
    name = "exchanged-token-survives-key"
    area = "auth"
    description = "a bearer token exchanged from an access key keeps working after the key is deleted or deactivated"
    catches = ("AUTH-EXCHANGED-TOKEN-ENDS",)
    settings: ClassVar[dict[str, object]] = {"exchanged_tokens_end_with_key": False}
