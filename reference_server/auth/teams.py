"""Teams, their members and invites (bounded TTL; accepting an expired or revoked invite answers 410)."""

from __future__ import annotations

from typing import Any

from reference_server.auth.common import (
    USER,
    digest,
    new_token,
    now_iso,
    secret_matches,
    spec_default,
    unique_name,
    within_quota,
)
from reference_server.errors import conflict, gone, not_found
from reference_server.platform.audit import iso8601
from reference_server.platform.core import Call, Reply, handler

TEAM = "team"
MEMBER = "team_member"
INVITE = "invite"


def _owned_team(call: Call) -> dict[str, Any]:
    team_id = call.path_params["team_id"]
    team = call.ctx.store.owned(TEAM, call.principal.account_id, team_id)
    if team is None:
        raise not_found("team", team_id)
    return team


def _members(call: Call, team_id: str) -> list[dict[str, Any]]:
    return call.ctx.store.scan(MEMBER, where=lambda m: m["team_id"] == team_id)


def _team_view(call: Call, team: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "account_id", "name", "description", "created_at", "_seq")
    return {k: team[k] for k in keys} | {"member_count": len(_members(call, team["id"]))}


def _member_view(member: dict[str, Any]) -> dict[str, Any]:
    return {k: member[k] for k in ("user_id", "team_id", "email", "role", "joined_at", "_seq")}


def _invite_view(invite: dict[str, Any]) -> dict[str, Any]:
    return {k: invite[k] for k in ("id", "team_id", "email", "role", "status", "created_at", "expires_at", "_seq")}


def _add_member(call: Call, team: dict[str, Any], user: dict[str, Any], role: str) -> dict[str, Any]:
    member_id = f"{team['id']}:{user['id']}"
    if call.ctx.store.get(MEMBER, member_id) is not None:
        raise conflict(f"{user['id']} is already a member of team {team['id']}")
    return call.ctx.store.insert(
        MEMBER,
        {
            "id": member_id,
            "account_id": team["account_id"],
            "team_id": team["id"],
            "user_id": user["id"],
            "email": user["email"],
            "role": role,
            "joined_at": now_iso(call),
        },
    )


def _expired(call: Call, invite: dict[str, Any]) -> bool:
    return bool(invite["status"] == "pending" and invite["_expires"] <= call.ctx.clock())


@handler("teams_list")
async def teams_list(call: Call) -> Reply:
    teams = call.ctx.store.scan(TEAM, call.principal.account_id)
    return call.ctx.paginate(call, [_team_view(call, t) for t in teams], "teams")


@handler("teams_create")
async def teams_create(call: Call) -> Reply:
    unique_name(call, TEAM, call.body["name"], "a team")
    within_quota(call, TEAM, "teams")
    owner = call.ctx.store.scan(USER, call.principal.account_id)  # the account's root user owns the team
    team = call.ctx.store.insert(
        TEAM,
        {
            "id": call.ctx.new_id("team-"),
            "account_id": call.principal.account_id,
            "name": call.body["name"],
            "description": call.body.get("description", ""),
            "created_at": now_iso(call),
        },
    )
    if owner:
        _add_member(call, team, owner[0], "owner")
    return Reply(201, _team_view(call, team))


@handler("teams_get")
async def teams_get(call: Call) -> Reply:
    return Reply(200, _team_view(call, _owned_team(call)))


@handler("teams_update")
async def teams_update(call: Call) -> Reply:
    team = _owned_team(call)
    if "name" in call.body:
        unique_name(call, TEAM, call.body["name"], "a team", exclude_id=team["id"])
    changes = {k: call.body[k] for k in ("name", "description") if k in call.body}
    return Reply(200, _team_view(call, call.ctx.store.update(TEAM, team["id"], **changes)))


@handler("teams_delete")
async def teams_delete(call: Call) -> Reply:
    team = _owned_team(call)
    store = call.ctx.store
    for member in _members(call, team["id"]):
        store.delete(MEMBER, member["id"])
    for invite in store.scan(INVITE, team["account_id"], lambda i: i["team_id"] == team["id"]):
        store.delete(INVITE, invite["id"])
    store.delete(TEAM, team["id"])
    return Reply(200, {"id": team["id"], "deleted": True})


@handler("team_members_list")
async def team_members_list(call: Call) -> Reply:
    team = _owned_team(call)
    return call.ctx.paginate(call, [_member_view(m) for m in _members(call, team["id"])], "members")


@handler("team_members_remove")
async def team_members_remove(call: Call) -> Reply:
    team = _owned_team(call)
    user_id = call.path_params["user_id"]
    member = call.ctx.store.get(MEMBER, f"{team['id']}:{user_id}")
    if member is None:
        raise not_found("team member", user_id)
    owners = [m for m in _members(call, team["id"]) if m["role"] == "owner"]
    if member["role"] == "owner" and len(owners) == 1:
        raise conflict(f"{user_id} is the last owner of team {team['id']}")
    call.ctx.store.delete(MEMBER, member["id"])
    return Reply(200, {"id": user_id, "deleted": True})


@handler("team_invites_list")
async def team_invites_list(call: Call) -> Reply:
    team = _owned_team(call)
    invites = call.ctx.store.scan(INVITE, team["account_id"], lambda i: i["team_id"] == team["id"])
    return call.ctx.paginate(call, [_invite_view(i) for i in invites], "invites")


@handler("team_invites_create")
async def team_invites_create(call: Call) -> Reply:
    team = _owned_team(call)
    email = str(call.body["email"])
    pending = call.ctx.store.scan(
        INVITE,
        team["account_id"],
        lambda i: i["team_id"] == team["id"] and i["email"].lower() == email.lower() and i["status"] == "pending",
    )
    if any(not _expired(call, i) for i in pending):
        raise conflict(f"{email} already has a pending invite to team {team['id']}")
    within_quota(call, INVITE, "invites")
    ttl = int(call.body.get("ttl_seconds", spec_default("InviteCreate", "ttl_seconds")))
    now, token = call.ctx.clock(), new_token()
    invite = call.ctx.store.insert(
        INVITE,
        {
            "id": call.ctx.new_id("tinv-"),
            "account_id": team["account_id"],
            "team_id": team["id"],
            "email": email,
            "role": call.body.get("role", "member"),
            "status": "pending",
            "created_at": iso8601(now),
            "expires_at": iso8601(now + ttl),
            "_expires": now + ttl,
            "_token": digest(token),  # shown once; only its hash is kept
        },
    )
    return Reply(201, _invite_view(invite) | {"token": token})


@handler("team_invites_revoke")
async def team_invites_revoke(call: Call) -> Reply:
    team = _owned_team(call)
    invite_id = call.path_params["invite_id"]
    invite = call.ctx.store.owned(INVITE, team["account_id"], invite_id)
    if invite is None or invite["team_id"] != team["id"]:
        raise not_found("invite", invite_id)
    if invite["status"] != "pending":
        raise conflict(f"invite {invite_id} is {invite['status']}; only a pending invite can be revoked")
    call.ctx.store.update(INVITE, invite_id, status="revoked")
    return Reply(200, {"id": invite_id, "deleted": True})


@handler("team_invites_accept")
async def team_invites_accept(call: Call) -> Reply:
    store, invite_id = call.ctx.store, call.path_params["invite_id"]
    invite = store.get(INVITE, invite_id)
    user = store.get(USER, call.principal.id) if call.principal.kind == "root" else None
    # Addressed to someone else, or a wrong token: 404, exactly like a missing invite.
    if (
        invite is None
        or user is None
        or user["email"].lower() != invite["email"].lower()
        or not secret_matches(str(call.body["token"]), invite["_token"])
    ):
        raise not_found("invite", invite_id)
    if invite["status"] == "revoked":
        raise gone(f"invite {invite_id} has been revoked")
    if _expired(call, invite):
        raise gone(f"invite {invite_id} has expired")
    if invite["status"] == "accepted":
        raise conflict(f"invite {invite_id} has already been accepted")
    team = store.get(TEAM, invite["team_id"])
    if team is None:
        raise not_found("invite", invite_id)
    member = _add_member(call, team, user, invite["role"])
    store.update(INVITE, invite_id, status="accepted")
    return Reply(200, _member_view(member))
