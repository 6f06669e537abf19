"""Who is calling: a JWT from ``Authorization: Bearer`` or the ``cnx_access`` cookie, a SigV4-signed request
with an IAM access key, or (only for ``auth_refresh``) the ``cnx_refresh`` cookie.

An ``Authorization`` header that is present but wrong answers 401; it never falls back to a cookie, so a
client always learns that the credential it chose is bad.
"""

from __future__ import annotations

from collections.abc import Mapping

from reference_server import errors
from reference_server.errors import ApiError
from reference_server.platform import platform_of
from reference_server.platform.audit import iso8601
from reference_server.platform.core import Principal, ServerContext
from reference_server.platform.sessions import session_for_refresh_token
from reference_server.platform.sigv4 import SignedRequest, SigV4Error, SigV4Verifier
from reference_server.platform.tokens import TokenError

__all__ = ["ACCESS_KEY", "IAM_USER", "POLICY", "AuthenticationFailed", "Authenticator", "parse_cookies"]

ACCESS_KEY = "access_key"
IAM_USER = "iam_user"
POLICY = "policy"


class AuthenticationFailed(ApiError):
    """401, naming the principal the request claimed to be when that is known without trusting it (the IAM user
    of a SigV4 access key id that exists), so the audit log of that account records the failed attempt."""

    def __init__(self, message: str, claimed: Principal | None = None) -> None:
        super().__init__(401, message)
        self.claimed = claimed


def parse_cookies(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


class Authenticator:
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx
        self.sigv4 = SigV4Verifier(
            service=ctx.settings.sigv4_service,
            region=ctx.settings.region,
            lookup_secret=self._secret_of,
            clock=ctx.clock,
            skew_seconds=ctx.settings.sigv4_clock_skew_seconds,
            max_expires=ctx.settings.sigv4_presigned_max_seconds,
        )

    def _secret_of(self, access_key_id: str) -> str | None:
        key = self._ctx.store.get(ACCESS_KEY, access_key_id)
        if key is None or key["status"] != "Active":
            return None
        return str(key["_secret"])

    def from_token(self, token: str, method: str) -> Principal:
        try:
            verified = platform_of(self._ctx).tokens.verify(token)
        except TokenError as exc:
            raise errors.unauthorized() from exc
        if verified.access_key_id is not None and self._ctx.settings.exchanged_tokens_end_with_key:
            key = self._ctx.store.get(ACCESS_KEY, verified.access_key_id)
            if key is None or key["status"] != "Active" or key.get("_version", 0) != verified.access_key_version:
                raise errors.unauthorized("the access key this token was exchanged from is deleted or inactive")
        return Principal(
            id=verified.subject,
            kind="root" if verified.kind == "root" else "iam_user",
            account_id=verified.account_id,
            auth_method="bearer" if method == "bearer" else "cookie",
            session_id=verified.session_id,
        )

    def from_sigv4(self, request: SignedRequest) -> Principal:
        try:
            identity = self.sigv4.verify(request)
        except SigV4Error as exc:
            raise AuthenticationFailed(f"SigV4: {exc.message}", self._claimed(exc.access_key_id)) from exc
        key = self._ctx.store.get(ACCESS_KEY, identity.access_key_id)
        if key is None:
            raise errors.unauthorized()
        self._ctx.store.update(ACCESS_KEY, key["id"], last_used_at=iso8601(self._ctx.clock()))
        return Principal(id=key["iam_user_id"], kind="iam_user", account_id=key["account_id"], auth_method="sigv4")

    def _claimed(self, access_key_id: str | None) -> Principal | None:
        key = self._ctx.store.get(ACCESS_KEY, access_key_id) if access_key_id else None
        if key is None:
            return None
        return Principal(id=key["iam_user_id"], kind="iam_user", account_id=key["account_id"], auth_method="sigv4")

    def from_refresh_cookie(self, cookies: Mapping[str, str]) -> Principal:
        token = cookies.get("cnx_refresh")
        if not token:
            raise errors.unauthorized("missing cnx_refresh cookie")
        session = session_for_refresh_token(self._ctx, token)
        return Principal(
            id=session["principal_id"],
            kind="root",
            account_id=session["account_id"],
            auth_method="cookie",
            session_id=session["id"],
        )

    def authenticate(
        self, schemes: frozenset[str], headers: Mapping[str, str], request: SignedRequest | None
    ) -> Principal:
        """The caller of an operation secured by ``schemes`` (security scheme names from the spec)."""
        cookies = parse_cookies(headers.get("cookie", ""))
        if "refreshCookie" in schemes:
            return self.from_refresh_cookie(cookies)
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, credential = authorization.partition(" ")
            if scheme.lower() == "bearer" and "bearerAuth" in schemes and credential.strip():
                return self.from_token(credential.strip(), "bearer")
            if scheme == "AWS4-HMAC-SHA256" and "sigv4" in schemes and request is not None:
                return self.from_sigv4(request)
            raise errors.unauthorized("unsupported or malformed Authorization header")
        if request is not None and "X-Amz-Algorithm=" in request.query and "sigv4" in schemes:
            return self.from_sigv4(request)
        token = cookies.get("cnx_access")
        if token and "cookieAuth" in schemes:
            return self.from_token(token, "cookie")
        raise errors.unauthorized()
