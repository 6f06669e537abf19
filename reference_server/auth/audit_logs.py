"""Audit events of the caller's account, newest first, with filters that combine with AND."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reference_server.errors import not_found
from reference_server.platform.audit import KIND
from reference_server.platform.core import Call, Reply, handler


def _since(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@handler("audit_logs_list")
async def audit_logs_list(call: Call) -> Reply:
    q = call.query
    since = _since(q["since"]) if q.get("since") else None

    def wanted(event: dict[str, Any]) -> bool:
        return (
            (q.get("actor_id") is None or event["actor"]["id"] == q["actor_id"])
            and (q.get("action") is None or event["action"] == q["action"])
            and (q.get("outcome") is None or event["outcome"] == q["outcome"])
            and (since is None or event["_at"] >= since)
        )

    events = call.ctx.store.scan(KIND, call.principal.account_id, wanted)
    return call.ctx.paginate(call, events, "events", newest_first=True)


@handler("audit_logs_get")
async def audit_logs_get(call: Call) -> Reply:
    event_id = call.path_params["event_id"]
    event = call.ctx.store.owned(KIND, call.principal.account_id, event_id)
    if event is None:
        raise not_found("audit event", event_id)
    return Reply(200, event)
