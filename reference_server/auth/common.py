"""Record kinds, views and small helpers shared by the auth service's handler modules."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from typing import Any

import cloudnx_spec
from reference_server.errors import conflict
from reference_server.platform.audit import iso8601
from reference_server.platform.authn import IAM_USER
from reference_server.platform.core import AuthMethod, Call, Principal

__all__ = [
    "ACCOUNT",
    "BILLING",
    "EMAIL_INDEX",
    "USER",
    "digest",
    "display_name_from",
    "limit",
    "new_token",
    "now_iso",
    "principal_view",
    "root_principal",
    "secret_matches",
    "spec_default",
    "unique_name",
    "within_quota",
]

ACCOUNT = "account"
USER = "user"
EMAIL_INDEX = "email_index"
BILLING = "billing_account"


def now_iso(call: Call) -> str:
    return iso8601(call.ctx.clock())


def digest(secret: str) -> str:
    """Only a hash of a one-time token is stored (invites, pending tokens): the token is shown once."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def new_token() -> str:
    return secrets.token_urlsafe(30)  # 40 characters of [A-Za-z0-9_-]: the spec's SecretToken


@functools.cache
def _name_rule() -> tuple[re.Pattern[str], re.Pattern[str], int]:
    """(first character, characters to replace, longest) from the spec's ``Name`` schema ``^[first][rest]{0,n}$``."""
    schema = cloudnx_spec.component("schemas", "Name")
    found = re.fullmatch(r"\^(\[[^\]]+\])\[([^\]]+)\]\{0,\d+\}\$", str(schema.get("pattern", "")))
    if found is None or not isinstance(schema.get("maxLength"), int):
        raise cloudnx_spec.SpecError("components/schemas/Name must read ^[first][rest]{0,n}$ with a maxLength")
    return re.compile(found.group(1)), re.compile(f"[^{found.group(2)}]"), int(schema["maxLength"])


def display_name_from(text: str) -> str:
    """A valid Name (the spec's pattern: letters, digits, space . _ -; first a letter or digit) from free text."""
    first, others, longest = _name_rule()
    cleaned = others.sub("-", text)[:longest]
    if not cleaned or not first.match(cleaned[0]):
        cleaned = ("u" + cleaned)[:longest]
    return cleaned


def spec_default(schema_name: str, prop: str) -> Any:
    return cloudnx_spec.component("schemas", schema_name)["properties"][prop]["default"]


def limit(name: str) -> int:
    return cloudnx_spec.limits()[name]


def within_quota(call: Call, kind: str, what: str) -> None:
    # The spec's resources_per_type_per_account limit: beyond it a create conflicts (409), never 5xx.
    if call.ctx.store.count(kind, call.principal.account_id) >= limit("resources_per_type_per_account"):
        raise conflict(f"the account already has the maximum number of {what}")


def unique_name(call: Call, kind: str, name: str, what: str, exclude_id: str | None = None) -> None:
    clash = call.ctx.store.scan(
        kind, call.principal.account_id, lambda r: r.get("name") == name and r["id"] != exclude_id
    )
    if clash:
        raise conflict(f"{what} named {name!r} already exists in this account")


def root_principal(user: dict[str, Any], method: AuthMethod = "none") -> Principal:
    return Principal(id=user["id"], kind="root", account_id=user["account_id"], auth_method=method)


def principal_view(call: Call) -> dict[str, Any]:
    """The caller as the spec's Principal: the root user, or an IAM user (email null)."""
    p = call.principal
    if p.kind == "root":
        user = call.ctx.store.get(USER, p.id)
        if user is None:
            raise conflict("the account no longer exists")
        return {k: user[k] for k in ("id", "account_id", "email", "email_verified", "display_name", "created_at")} | {
            "type": "root"
        }
    iam_user = call.ctx.store.get(IAM_USER, p.id)
    if iam_user is None:
        raise conflict("the IAM user no longer exists")
    return {
        "id": iam_user["id"],
        "type": "iam_user",
        "account_id": iam_user["account_id"],
        "email": None,
        "email_verified": False,
        "display_name": iam_user["_display_name"],
        "created_at": iam_user["created_at"],
    }
