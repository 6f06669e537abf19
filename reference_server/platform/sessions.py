"""Login sessions and their rotating refresh tokens (RFC 9700 §4.14.2: rotation with reuse detection).

A refresh token is an opaque random string; only its SHA-256 is stored. Each rotation marks the presented token
``rotated`` and issues a new one; presenting a rotated token again is treated as theft and revokes the whole
session (its access tokens stop working at once through the token service's revocation set).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from reference_server.errors import unauthorized
from reference_server.platform import platform_of
from reference_server.platform.audit import iso8601
from reference_server.platform.core import ServerContext

__all__ = ["SESSION", "open_session", "revoke_session", "rotate_refresh_token", "session_for_refresh_token"]

SESSION = "session"
REFRESH = "refresh_token"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_PURGE_EVERY = 60.0  # seconds of server clock between sweeps for expired sessions


def _issue_refresh(ctx: ServerContext, session: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(32)
    digest = _digest(token)
    ctx.store.insert(
        REFRESH, {"id": digest, "account_id": session["account_id"], "session_id": session["id"], "status": "current"}
    )
    # The session lists its refresh tokens, oldest first; rotated ones are kept for reuse detection (RFC 9700
    # §4.14.2) up to refresh_tokens_kept, then forgotten (a forgotten one answers 401 without revoking).
    chain = [*session.get("_refresh", []), digest]
    while len(chain) > ctx.settings.refresh_tokens_kept + 1:
        ctx.store.delete(REFRESH, chain.pop(0))
    ctx.store.update(SESSION, session["id"], _refresh=chain)
    return token


def _end(ctx: ServerContext, session: dict[str, Any]) -> None:
    for digest in session.get("_refresh", []):
        ctx.store.delete(REFRESH, digest)
    ctx.store.delete(SESSION, session["id"])


def _purge_expired(ctx: ServerContext, now: float) -> None:
    if now - ctx.extras.get("sessions_purged_at", 0.0) < _PURGE_EVERY:
        return
    ctx.extras["sessions_purged_at"] = now
    for session in ctx.store.scan(SESSION, where=lambda r: r["_expires"] <= now):
        _end(ctx, session)


def open_session(
    ctx: ServerContext, user: dict[str, Any], user_agent: str | None, source_ip: str
) -> tuple[dict[str, Any], str]:
    """A new session of ``user``; past sessions_max_per_user open ones, the oldest of them is ended first."""
    now = ctx.clock()
    _purge_expired(ctx, now)
    open_ones = ctx.store.scan(SESSION, user["account_id"], lambda r: r["principal_id"] == user["id"])
    for oldest in sorted(open_ones, key=lambda r: r["_seq"])[
        : max(0, len(open_ones) - ctx.settings.sessions_max_per_user + 1)
    ]:
        revoke_session(ctx, oldest["id"])
    session = ctx.store.insert(
        SESSION,
        {
            "id": ctx.new_id("ses-"),
            "account_id": user["account_id"],
            "principal_id": user["id"],
            "created_at": iso8601(now),
            "last_used_at": iso8601(now),
            "expires_at": iso8601(now + ctx.settings.refresh_token_seconds),
            "user_agent": user_agent[:512] if user_agent else None,
            "source_ip": source_ip[:45],
            "_status": "active",
            "_expires": now + ctx.settings.refresh_token_seconds,
        },
    )
    return session, _issue_refresh(ctx, session)


def revoke_session(ctx: ServerContext, session_id: str) -> None:
    """End the session: its access tokens stop at once (token service), its record and refresh tokens are gone."""
    session = ctx.store.get(SESSION, session_id)
    if session is not None:
        _end(ctx, session)
    platform_of(ctx).tokens.revoke_session(session_id)


def session_for_refresh_token(ctx: ServerContext, token: str) -> dict[str, Any]:
    """The active session a current refresh token belongs to; reuse of a rotated one revokes it (401 either way)."""
    record = ctx.store.get(REFRESH, _digest(token))
    if record is None:
        raise unauthorized("invalid refresh token")
    session = ctx.store.get(SESSION, record["session_id"])
    if session is None or session["_status"] != "active" or session["_expires"] <= ctx.clock():
        raise unauthorized("the session has ended; log in again")
    if record["status"] != "current":
        revoke_session(ctx, session["id"])
        raise unauthorized("refresh token reuse detected; the session has been revoked")
    return session


def rotate_refresh_token(ctx: ServerContext, token: str) -> tuple[dict[str, Any], str]:
    session = session_for_refresh_token(ctx, token)
    ctx.store.update(REFRESH, _digest(token), status="rotated")
    session = ctx.store.update(SESSION, session["id"], last_used_at=iso8601(ctx.clock()))
    return session, _issue_refresh(ctx, session)
