"""The auth service: identity, sessions, billing, IAM, teams, pending tokens, audit logs, JWKS.

Each module registers its handlers with ``@handler(operationId)``; ``reference_server.app.load_handlers`` imports
them all.
"""

from __future__ import annotations

from reference_server.platform.core import ServerContext

__all__ = ["setup"]


def setup(ctx: ServerContext) -> None:
    """Start-up hook, called once per context by the app: auth meters nothing lazily, so it registers nothing
    (its handlers register themselves when ``load_handlers`` imports its modules)."""
    del ctx
