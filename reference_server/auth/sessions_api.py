"""The caller's login sessions: list and revoke."""

from __future__ import annotations

from typing import Any

from reference_server.errors import not_found
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.sessions import SESSION, revoke_session


def _open_sessions(call: Call) -> list[dict[str, Any]]:
    now = call.ctx.clock()
    return call.ctx.store.scan(
        SESSION,
        call.principal.account_id,
        lambda r: r["principal_id"] == call.principal.id and r["_status"] == "active" and r["_expires"] > now,
    )


@handler("sessions_list")
async def sessions_list(call: Call) -> Reply:
    sessions = [{**s, "current": s["id"] == call.principal.session_id} for s in _open_sessions(call)]
    return call.ctx.paginate(call, sessions, "sessions")


@handler("sessions_revoke")
async def sessions_revoke(call: Call) -> Reply:
    session_id = call.path_params["session_id"]
    session = call.ctx.store.owned(SESSION, call.principal.account_id, session_id)
    if session is None or session["_status"] != "active" or session["_expires"] <= call.ctx.clock():
        raise not_found("session", session_id)
    revoke_session(call.ctx, session_id)
    return Reply(200, {"id": session_id, "deleted": True})
