"""Pending tokens: confirmation flows (email verification, CLI authorisation) that expire into 410."""

from __future__ import annotations

from typing import Any

from reference_server.auth.common import USER, digest, new_token, secret_matches, spec_default, within_quota
from reference_server.errors import conflict, gone, not_found
from reference_server.platform.audit import iso8601
from reference_server.platform.core import Call, Reply, handler

PENDING = "pending_token"


def _view(token: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "account_id", "principal_id", "purpose", "status", "created_at", "expires_at")
    return {k: token[k] for k in keys}


def _live(call: Call) -> dict[str, Any]:
    """The caller's account's pending token, or 404; 410 once it expired unconfirmed."""
    pending_id = call.path_params["pending_id"]
    token = call.ctx.store.owned(PENDING, call.principal.account_id, pending_id)
    if token is None:
        raise not_found("pending token", pending_id)
    if token["status"] == "pending" and token["_expires"] <= call.ctx.clock():
        raise gone(f"pending token {pending_id} has expired")
    return token


@handler("pending_tokens_create")
async def pending_tokens_create(call: Call) -> Reply:
    within_quota(call, PENDING, "pending tokens")
    ttl = int(call.body.get("ttl_seconds", spec_default("PendingTokenCreate", "ttl_seconds")))
    now, secret = call.ctx.clock(), new_token()
    token = call.ctx.store.insert(
        PENDING,
        {
            "id": call.ctx.new_id("ptk-"),
            "account_id": call.principal.account_id,
            "principal_id": call.principal.id,
            "purpose": call.body["purpose"],
            "status": "pending",
            "created_at": iso8601(now),
            "expires_at": iso8601(now + ttl),
            "_expires": now + ttl,
            "_token": digest(secret),
        },
    )
    return Reply(201, _view(token) | {"token": secret})


@handler("pending_tokens_get")
async def pending_tokens_get(call: Call) -> Reply:
    return Reply(200, _view(_live(call)))


@handler("pending_tokens_confirm")
async def pending_tokens_confirm(call: Call) -> Reply:
    token = _live(call)
    if not secret_matches(str(call.body["token"]), token["_token"]):
        raise not_found("pending token", token["id"])
    if token["status"] == "confirmed":
        raise conflict(f"pending token {token['id']} is already confirmed")
    if token["purpose"] == "email_verification" and call.principal.kind == "root":
        call.ctx.store.update(USER, call.principal.id, email_verified=True)
    return Reply(200, _view(call.ctx.store.update(PENDING, token["id"], status="confirmed")))
