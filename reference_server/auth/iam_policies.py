"""IAM policies (AWS-shaped documents) and their attachment to IAM users."""

from __future__ import annotations

from typing import Any

from reference_server.auth.common import limit, now_iso, unique_name, within_quota
from reference_server.auth.iam_users import owned_user, user_view
from reference_server.errors import conflict, not_found
from reference_server.platform.authn import IAM_USER, POLICY
from reference_server.platform.core import Call, Reply, handler


def _attachments(call: Call, policy_id: str) -> int:
    return len(call.ctx.store.scan(IAM_USER, call.principal.account_id, lambda u: policy_id in u["policy_ids"]))


def _view(call: Call, policy: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "account_id", "name", "description", "document", "created_at", "updated_at")
    return {k: policy[k] for k in keys} | {
        "attachment_count": _attachments(call, policy["id"]),
        "_seq": policy["_seq"],
    }


def _owned(call: Call) -> dict[str, Any]:
    policy_id = call.path_params["policy_id"]
    policy = call.ctx.store.owned(POLICY, call.principal.account_id, policy_id)
    if policy is None:
        raise not_found("policy", policy_id)
    return policy


@handler("iam_policies_list")
async def iam_policies_list(call: Call) -> Reply:
    policies = call.ctx.store.scan(POLICY, call.principal.account_id)
    return call.ctx.paginate(call, [_view(call, p) for p in policies], "iam_policies")


@handler("iam_policies_create")
async def iam_policies_create(call: Call) -> Reply:
    body = call.body
    unique_name(call, POLICY, body["name"], "a policy")
    within_quota(call, POLICY, "policies")
    created = now_iso(call)
    policy = call.ctx.store.insert(
        POLICY,
        {
            "id": call.ctx.new_id("pol-"),
            "account_id": call.principal.account_id,
            "name": body["name"],
            "description": body.get("description", ""),
            "document": body["document"],
            "created_at": created,
            "updated_at": created,
        },
    )
    return Reply(201, _view(call, policy))


@handler("iam_policies_get")
async def iam_policies_get(call: Call) -> Reply:
    return Reply(200, _view(call, _owned(call)))


@handler("iam_policies_update")
async def iam_policies_update(call: Call) -> Reply:
    policy = _owned(call)
    changes = {k: call.body[k] for k in ("description", "document") if k in call.body}
    updated = call.ctx.store.update(POLICY, policy["id"], **changes, updated_at=now_iso(call))
    return Reply(200, _view(call, updated))


@handler("iam_policies_delete")
async def iam_policies_delete(call: Call) -> Reply:
    policy = _owned(call)
    attached = _attachments(call, policy["id"])
    if attached:
        raise conflict(f"policy {policy['id']} is attached to {attached} IAM user(s); detach it first")
    call.ctx.store.delete(POLICY, policy["id"])
    return Reply(200, {"id": policy["id"], "deleted": True})


@handler("iam_user_policies_list")
async def iam_user_policies_list(call: Call) -> Reply:
    user = owned_user(call)
    attached = [p for pid in user["policy_ids"] if (p := call.ctx.store.get(POLICY, pid)) is not None]
    return call.ctx.paginate(call, [_view(call, p) for p in attached], "policies")


@handler("iam_user_policies_attach")
async def iam_user_policies_attach(call: Call) -> Reply:
    user = owned_user(call)
    policy = _owned(call)
    if policy["id"] in user["policy_ids"]:
        return Reply(200, user_view(user))  # attaching an attached policy changes nothing
    if len(user["policy_ids"]) >= limit("policies_per_iam_user"):
        raise conflict(f"IAM user {user['id']} already has the maximum number of policies attached")
    updated = call.ctx.store.update(IAM_USER, user["id"], policy_ids=[*user["policy_ids"], policy["id"]])
    return Reply(200, user_view(updated))


@handler("iam_user_policies_detach")
async def iam_user_policies_detach(call: Call) -> Reply:
    user = owned_user(call)
    policy = _owned(call)
    if policy["id"] not in user["policy_ids"]:
        raise not_found("policy attachment", policy["id"])
    remaining = [p for p in user["policy_ids"] if p != policy["id"]]
    return Reply(200, user_view(call.ctx.store.update(IAM_USER, user["id"], policy_ids=remaining)))
