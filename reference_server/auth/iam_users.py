"""IAM users, their access keys (secret shown once), and exchange-credentials (access key -> bearer JWT)."""

from __future__ import annotations

import hmac
import secrets
import string
from typing import Any

from reference_server.auth.common import display_name_from, limit, now_iso, unique_name, within_quota
from reference_server.errors import conflict, not_found, unauthorized
from reference_server.platform import platform_of
from reference_server.platform.authn import ACCESS_KEY, IAM_USER
from reference_server.platform.core import Call, Principal, Reply, handler

_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"  # the spec's SecretAccessKey: [A-Za-z0-9/+]{40}


def user_view(user: dict[str, Any]) -> dict[str, Any]:
    return {k: user[k] for k in ("id", "account_id", "name", "policy_ids", "created_at")}


def key_view(key: dict[str, Any]) -> dict[str, Any]:
    return {k: key[k] for k in ("id", "iam_user_id", "status", "created_at", "last_used_at")}


def owned_user(call: Call) -> dict[str, Any]:
    user_id = call.path_params["iam_user_id"]
    user = call.ctx.store.owned(IAM_USER, call.principal.account_id, user_id)
    if user is None:
        raise not_found("IAM user", user_id)
    return user


def _owned_key(call: Call) -> dict[str, Any]:
    user = owned_user(call)
    key_id = call.path_params["access_key_id"]
    key = call.ctx.store.owned(ACCESS_KEY, call.principal.account_id, key_id)
    if key is None or key["iam_user_id"] != user["id"]:
        raise not_found("access key", key_id)
    return key


@handler("iam_users_list")
async def iam_users_list(call: Call) -> Reply:
    return call.ctx.paginate(call, call.ctx.store.scan(IAM_USER, call.principal.account_id), "iam_users")


@handler("iam_users_create")
async def iam_users_create(call: Call) -> Reply:
    name = call.body["name"]
    unique_name(call, IAM_USER, name, "an IAM user")
    within_quota(call, IAM_USER, "IAM users")
    user = call.ctx.store.insert(
        IAM_USER,
        {
            "id": call.ctx.new_id("iamu-"),
            "account_id": call.principal.account_id,
            "name": name,
            "policy_ids": [],
            "created_at": now_iso(call),
            "_display_name": display_name_from(name),
        },
    )
    return Reply(201, user_view(user))


@handler("iam_users_get")
async def iam_users_get(call: Call) -> Reply:
    return Reply(200, user_view(owned_user(call)))


@handler("iam_users_update")
async def iam_users_update(call: Call) -> Reply:
    user = owned_user(call)
    unique_name(call, IAM_USER, call.body["name"], "an IAM user", exclude_id=user["id"])
    return Reply(200, user_view(call.ctx.store.update(IAM_USER, user["id"], name=call.body["name"])))


@handler("iam_users_delete")
async def iam_users_delete(call: Call) -> Reply:
    user = owned_user(call)
    store = call.ctx.store
    for key in store.scan(ACCESS_KEY, user["account_id"], lambda k: k["iam_user_id"] == user["id"]):
        store.delete(ACCESS_KEY, key["id"])
    store.delete(IAM_USER, user["id"])
    platform_of(call.ctx).tokens.revoke_principal(user["id"])  # its exchanged tokens stop working at once
    return Reply(200, {"id": user["id"], "deleted": True})


@handler("access_keys_list")
async def access_keys_list(call: Call) -> Reply:
    user = owned_user(call)
    keys = call.ctx.store.scan(ACCESS_KEY, user["account_id"], lambda k: k["iam_user_id"] == user["id"])
    return call.ctx.paginate(call, [key_view(k) | {"_seq": k["_seq"]} for k in keys], "access_keys")


@handler("access_keys_create")
async def access_keys_create(call: Call) -> Reply:
    user = owned_user(call)
    store = call.ctx.store
    held = store.scan(ACCESS_KEY, user["account_id"], lambda k: k["iam_user_id"] == user["id"])
    if len(held) >= limit("access_keys_per_iam_user"):
        raise conflict(f"IAM user {user['id']} already has {len(held)} access keys; delete one first")
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    key = store.insert(
        ACCESS_KEY,
        {
            "id": call.ctx.new_id("CNXK"),
            "account_id": user["account_id"],
            "iam_user_id": user["id"],
            "status": "Active",
            "created_at": now_iso(call),
            "last_used_at": None,
            # SigV4 verification recomputes the HMAC, so the secret itself must be kept (not a hash of it).
            "_secret": secret,
        },
    )
    return Reply(201, key_view(key) | {"secret_access_key": secret})


@handler("access_keys_get")
async def access_keys_get(call: Call) -> Reply:
    return Reply(200, key_view(_owned_key(call)))


@handler("access_keys_update")
async def access_keys_update(call: Call) -> Reply:
    key = _owned_key(call)
    changes: dict[str, Any] = {"status": call.body["status"]}
    if call.body["status"] != "Active" and key["status"] == "Active":
        # A new version ends every token exchanged from the key so far, even after it is reactivated.
        changes["_version"] = key.get("_version", 0) + 1
    return Reply(200, key_view(call.ctx.store.update(ACCESS_KEY, key["id"], **changes)))


@handler("access_keys_delete")
async def access_keys_delete(call: Call) -> Reply:
    key = _owned_key(call)
    call.ctx.store.delete(ACCESS_KEY, key["id"])
    return Reply(200, {"id": key["id"], "deleted": True})


@handler("iam_exchange_credentials")
async def iam_exchange_credentials(call: Call) -> Reply:
    store = call.ctx.store
    key = store.get(ACCESS_KEY, call.body["access_key_id"])
    if key is not None:
        call.audit_as = Principal(key["iam_user_id"], "iam_user", key["account_id"], "none")
    valid = (
        key is not None
        and hmac.compare_digest(str(key["_secret"]), str(call.body["secret_access_key"]))
        and key["status"] == "Active"
        and store.get(IAM_USER, key["iam_user_id"]) is not None
    )
    if not valid or key is None:
        raise unauthorized("invalid, inactive or deleted access key")
    store.update(ACCESS_KEY, key["id"], last_used_at=now_iso(call))
    lifetime = call.ctx.settings.exchange_token_seconds
    token = platform_of(call.ctx).tokens.issue(
        key["iam_user_id"], key["account_id"], "iam_user", lifetime, access_key=(key["id"], key.get("_version", 0))
    )
    return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime})
