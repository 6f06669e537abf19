"""Authentication faults: cookies, JWT (RFC 8725), SigV4, logout, refresh rotation, secrets shown once."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import jwt
from jwt.algorithms import RSAAlgorithm

from killmatrix import routes
from killmatrix.context import jwt_parts
from killmatrix.fault import CookieRewrite, Fault
from killmatrix.sigv4 import parse_authorization, resign
from killmatrix.wire import Forward, Request, Response, json_response

__all__ = [
    "CookieMaxAge",
    "CookieNoHttpOnly",
    "JwksPrivateFields",
    "JwtAlgNone",
    "JwtEmbeddedKeyTrusted",
    "JwtKeyConfusion",
    "JwtLifetime",
    "JwtSignatureUnchecked",
    "LogoutNoRevoke",
    "RefreshReuseUndetected",
    "SecretShownAgain",
    "SigV4ScopeUnchecked",
    "SigV4SignatureUnchecked",
    "SigV4SkewUnchecked",
]


class CookieNoHttpOnly(CookieRewrite):
    name = "cookie-no-httponly"
    area = "auth"
    description = "session cookies lose HttpOnly (script-readable tokens)"
    catches = ("COOKIE-FLAGS",)

    def rewrite(self, cookie: str) -> str:
        return re.sub(r";\s*HttpOnly", "", cookie, flags=re.IGNORECASE)


class CookieMaxAge(CookieRewrite):
    name = "cookie-max-age"
    area = "auth"
    description = "cnx_access lives a day (Max-Age=86400) instead of 900 s"
    catches = ("COOKIE-LIFETIME",)

    def rewrite(self, cookie: str) -> str:
        if cookie.startswith("cnx_access=") and "Max-Age=0" not in cookie:
            return re.sub(r"Max-Age=\d+", "Max-Age=86400", cookie, flags=re.IGNORECASE)
        return cookie


class JwtLifetime(Fault):
    name = "jwt-lifetime"
    area = "auth"
    description = "access and exchange tokens live an hour (exp - iat = 3600, RFC 8725 §3.10 asks short)"
    catches = ("JWT-LIFETIME",)
    settings: ClassVar[dict[str, Any]] = {"exchange_token_seconds": 3600}


class _TokenFault(Fault):
    """Re-sign, with the server's own key, a presented token the server should refuse."""

    async def handle(self, request: Request, forward: Forward) -> Response:
        token = self.ctx.token_of(request)
        parts = jwt_parts(token) if token else None
        if token and parts and self.accept(token, *parts):
            self.ctx.replace_token(request, self.ctx.sign(parts[1]))
        return await forward(request)

    def accept(self, token: str, header: dict[str, Any], claims: dict[str, Any]) -> bool:
        return False


class JwtAlgNone(_TokenFault):
    name = "jwt-alg-none"
    area = "auth"
    description = 'tokens with "alg": "none" are accepted (RFC 8725 §2.1)'
    catches = ("JWT-ALG-NONE",)

    def accept(self, token: str, header: dict[str, Any], claims: dict[str, Any]) -> bool:
        return str(header.get("alg", "")).lower() == "none"


class JwtKeyConfusion(_TokenFault):
    name = "jwt-key-confusion"
    area = "auth"
    description = "HS256 tokens verified with the RSA public key as HMAC secret are accepted (RFC 8725 §2.1)"
    catches = ("JWT-KEY-CONFUSION",)

    def accept(self, token: str, header: dict[str, Any], claims: dict[str, Any]) -> bool:
        if header.get("alg") != "HS256":
            return False
        signing_input, _, signature = token.rpartition(".")
        # What a naive verifier does: whatever key material it holds, used with the algorithm the token names.
        hmac = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256)
        return any(
            hmac.verify(signing_input.encode(), secret, jwt.utils.base64url_decode(signature))
            for secret in (self.ctx.public_pem, self.ctx.public_pem.strip())
        )


class JwtSignatureUnchecked(_TokenFault):
    name = "jwt-signature-unchecked"
    area = "auth"
    description = "RS256 tokens are decoded without verifying the signature"
    catches = ("JWT-TAMPERED",)

    def accept(self, token: str, header: dict[str, Any], claims: dict[str, Any]) -> bool:
        if header.get("alg") != "RS256":
            return False
        try:
            jwt.decode(token, self.ctx.private_key.public_key(), algorithms=["RS256"], options={"verify_aud": False})
        except jwt.InvalidSignatureError:
            return True
        except jwt.PyJWTError:
            return False
        return False


class JwtEmbeddedKeyTrusted(_TokenFault):
    name = "jwt-embedded-key-trusted"
    area = "auth"
    description = "a token carrying its own key (jwk header) or pointing elsewhere (jku/x5u/unknown kid) is trusted"
    catches = ("JWT-HEADER-INJECTION",)

    def accept(self, token: str, header: dict[str, Any], claims: dict[str, Any]) -> bool:
        if isinstance(header.get("jwk"), dict):
            try:
                key = RSAAlgorithm.from_jwk(json.dumps(header["jwk"]))
                jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})  # type: ignore[arg-type]
            except jwt.PyJWTError:
                return False
            return True
        return bool(header.get("jku") or header.get("x5u")) or (
            self.ctx.kid is not None and header.get("kid") not in (None, self.ctx.kid)
        )


class JwksPrivateFields(Fault):
    name = "jwks-private-fields"
    area = "auth"
    description = "the JWKS publishes the private exponent d (RFC 7517 §9.3): anyone can sign accepted tokens"
    catches = ("JWT-JWKS-PUBLIC-ONLY",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if routes.operation_id(request.method, request.path) == "auth_jwks" and response.status == 200:
            data = response.json()
            private = json.loads(RSAAlgorithm.to_jwk(self.ctx.private_key))
            for key in data.get("keys", []):
                key["d"] = private["d"]
            response.set_json(data)
        return response


class SecretShownAgain(Fault):
    name = "secret-shown-again"
    area = "auth"
    description = "GET/list of access keys repeat the secret that must only appear in the create response"
    catches = ("AUTH-SECRET-ONCE",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        op = routes.operation_id(request.method, request.path)
        data = response.json()
        if op in ("access_keys_get", "access_keys_list", "bucket_keys_get", "bucket_keys_list") and isinstance(
            data, dict
        ):
            for record in [data, *data.get("access_keys", []), *data.get("keys", [])]:
                if isinstance(record, dict) and record.get("id") in self.ctx.secrets:
                    record["secret_access_key"] = self.ctx.secrets[record["id"]]
            response.set_json(data)
        return response


class LogoutNoRevoke(Fault):
    name = "logout-no-revoke"
    area = "auth"
    description = "logout clears the cookies but never revokes the session: the old tokens keep working"
    catches = ("AUTH-LOGOUT",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if routes.operation_id(request.method, request.path) != "auth_logout":
            return await forward(request)
        response = json_response(200, {"status": "logged_out"})
        response.headers.extend(
            [
                (b"set-cookie", b"cnx_access=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict"),
                (b"set-cookie", b"cnx_refresh=; Max-Age=0; Path=/auth; Secure; HttpOnly; SameSite=Strict"),
            ]
        )
        return response


class RefreshReuseUndetected(Fault):
    name = "refresh-reuse-undetected"
    area = "auth"
    description = "a rotated (already used) refresh token still refreshes (RFC 9700 §4.14.2 reuse detection)"
    catches = ("AUTH-REFRESH-REUSE",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.successor: dict[str, str] = {}

    async def handle(self, request: Request, forward: Forward) -> Response:
        if routes.operation_id(request.method, request.path) != "auth_refresh":
            return await forward(request)
        old = request.cookie("cnx_refresh")
        latest = old
        while latest in self.successor:
            latest = self.successor[latest]
        if old and latest and latest != old:
            cookies = [c.strip() for c in (request.header("cookie") or "").split(";") if c.strip()]
            cookies = [c for c in cookies if not c.startswith("cnx_refresh=")] + [f"cnx_refresh={latest}"]
            request.set_header("cookie", "; ".join(cookies))
        response = await forward(request)
        for cookie in response.headers_named("set-cookie"):
            if cookie.startswith("cnx_refresh=") and latest:
                self.successor[latest] = cookie.split("=", 1)[1].split(";", 1)[0]
        return response


class _SigV4Fault(Fault):
    def region_service(self, scope: list[str]) -> tuple[str, str]:
        return scope[2], scope[3]

    def keep_date(self) -> bool:
        return True

    async def handle(self, request: Request, forward: Forward) -> Response:
        fields = parse_authorization(request.header("authorization") or "")
        scope = fields.get("Credential", "").split("/")
        if len(scope) == 5 and scope[0] in self.ctx.secrets and routes.match(request.method, request.path):
            region, service = self.region_service(scope)
            resign(
                request,
                scope[0],
                self.ctx.secrets[scope[0]],
                region=region,
                service=service,
                keep_date=self.keep_date(),
            )
        return await forward(request)


class SigV4SignatureUnchecked(_SigV4Fault):
    name = "sigv4-signature-unchecked"
    area = "auth"
    description = "SigV4 requests are accepted whatever their signature (any single-field change passes)"
    catches = ("SIGV4-MUTATION",)


class SigV4ScopeUnchecked(_SigV4Fault):
    name = "sigv4-scope-unchecked"
    area = "auth"
    description = "SigV4 credential scope is not checked: any region and service are accepted"
    catches = ("SIGV4-SCOPE",)

    def region_service(self, scope: list[str]) -> tuple[str, str]:
        sigv4 = routes.sigv4_scheme()
        if (scope[2], scope[3]) == (sigv4["region"], sigv4["service"]):
            return scope[2], scope[3]
        return str(sigv4["region"]), str(sigv4["service"])

    async def handle(self, request: Request, forward: Forward) -> Response:
        fields = parse_authorization(request.header("authorization") or "")
        scope = fields.get("Credential", "").split("/")
        sigv4 = routes.sigv4_scheme()
        if len(scope) == 5 and (scope[2], scope[3]) != (sigv4["region"], sigv4["service"]):
            return await super().handle(request, forward)
        return await forward(request)


class SigV4SkewUnchecked(Fault):
    name = "sigv4-skew-unchecked"
    area = "auth"
    description = "SigV4 requests are accepted however far X-Amz-Date is from the server clock"
    catches = ("SIGV4-SKEW",)
    settings: ClassVar[dict[str, Any]] = {"sigv4_clock_skew_seconds": 10 * 365 * 86400}
