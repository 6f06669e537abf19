"""The cross-cutting services built on a ServerContext, reachable from handlers via ``platform_of(ctx)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reference_server.platform.audit import AuditLog
    from reference_server.platform.core import ServerContext
    from reference_server.platform.idempotency import IdempotencyKeys
    from reference_server.platform.ratelimit import Limiter
    from reference_server.platform.routing import RouteTable
    from reference_server.platform.tokens import TokenService

__all__ = ["Platform", "platform_of"]


@dataclass
class Platform:
    tokens: TokenService
    limiter: Limiter
    idempotency: IdempotencyKeys
    audit: AuditLog
    routes: RouteTable


def platform_of(ctx: ServerContext) -> Platform:
    platform = ctx.extras.get("platform")
    if not isinstance(platform, Platform):
        raise RuntimeError("the ServerContext was not built by reference_server.app.create_app")
    return platform
