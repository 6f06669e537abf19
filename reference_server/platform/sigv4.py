"""AWS Signature Version 4 verification (header and presigned-query forms), shared by the platform
(service ``cloudnx``) and the S3 data plane (service ``s3``).

Verification recomputes the signature from what arrived on the wire, following the AWS SigV4 spec:
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html. Error codes are S3's, so the data
plane can answer them as XML; the platform answers any of them with 401. Codes raised: AuthorizationHeaderMalformed,
AuthorizationQueryParametersError (bad presign parameters), InvalidAccessKeyId, SignatureDoesNotMatch (also a
payload hash mismatch), RequestTimeTooSkewed, AccessDenied (an expired presigned URL).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

import cloudnx_spec
from reference_server.platform.sigv4_canonical import (
    ALGORITHM,
    SignedRequest,
    canonical_request,
    derive_signing_key,
    string_to_sign,
)

__all__ = [
    "ALGORITHM",
    "SigV4Error",
    "SigV4Identity",
    "SigV4Verifier",
    "SignedRequest",
    "canonical_request",
    "derive_signing_key",
    "string_to_sign",
]

UNSIGNED_PAYLOADS = frozenset({"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_PRESIGN_PARAMS = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)


class SigV4Error(Exception):
    def __init__(self, code: str, message: str, access_key_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The key id the request claimed, once its scope parsed (the audit log names whom a forgery targeted).
        self.access_key_id = access_key_id


def _same(a: str, b: str) -> bool:
    # hmac.compare_digest refuses str with non-ASCII characters (TypeError); header values arrive latin-1
    # decoded, so a hostile byte would otherwise crash the verifier. Compare the UTF-8 bytes instead.
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class SigV4Identity:
    access_key_id: str
    signed_at: float
    presigned: bool
    expires_at: float | None


def _parse_amz_date(value: str) -> float:
    try:
        return float(calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")))
    except ValueError as exc:
        raise SigV4Error("AuthorizationHeaderMalformed", f"X-Amz-Date {value!r} is not YYYYMMDDTHHMMSSZ") from exc


def _parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SigV4Error("AuthorizationHeaderMalformed", f"algorithm must be {ALGORITHM}")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, val = item.strip().partition("=")
        if sep:
            fields[name] = val
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise SigV4Error("AuthorizationHeaderMalformed", f"Authorization lacks {', '.join(missing)}")
    return fields


class SigV4Verifier:
    """Verifies one service's SigV4 requests; ``lookup_secret(access_key_id)`` returns the secret or None."""

    def __init__(
        self,
        *,
        service: str,
        region: str,
        lookup_secret: Callable[[str], str | None],
        clock: Callable[[], float] = time.time,
        skew_seconds: int | None = None,
        max_expires: int | None = None,
        normalize_path: bool | None = None,
        double_encode_path: bool | None = None,
        allow_unsigned_payload: bool | None = None,
    ) -> None:
        is_s3 = service == "s3"
        self.service = service
        self.region = region
        self.lookup_secret = lookup_secret
        self.clock = clock
        # Unless the caller overrides them: the spec's clock skew and longest presigned lifetime.
        lifetimes = cloudnx_spec.lifetimes()
        self.skew_seconds = lifetimes.sigv4_clock_skew_seconds if skew_seconds is None else skew_seconds
        self.max_expires = lifetimes.presign_max_seconds if max_expires is None else max_expires
        # S3 signs the path as sent and allows unsigned payloads; every other AWS-style service does not.
        self.normalize_path = not is_s3 if normalize_path is None else normalize_path
        self.double_encode_path = not is_s3 if double_encode_path is None else double_encode_path
        self.allow_unsigned_payload = is_s3 if allow_unsigned_payload is None else allow_unsigned_payload

    @staticmethod
    def is_sigv4(request: SignedRequest) -> bool:
        auth = request.header_values("authorization")
        return bool(auth and auth[0].startswith(ALGORITHM)) or "X-Amz-Algorithm=" in request.query

    def verify(self, request: SignedRequest) -> SigV4Identity:
        """The verified identity; any defect of the request (whatever its bytes) raises SigV4Error, nothing else."""
        auth = request.header_values("authorization")
        try:
            if auth and auth[0].startswith(ALGORITHM):
                return self._verify_header(request, auth[0])
            return self._verify_query(request)
        except (UnicodeError, ValueError, OverflowError) as exc:
            # Text no signer produces (lone surrogates, absurd dates): malformed, like any other bad field.
            code = "AuthorizationHeaderMalformed" if auth else "AuthorizationQueryParametersError"
            raise SigV4Error(code, "the SigV4 fields are not well-formed") from exc

    def _scope(self, credential: str, amz_date: str, code: str) -> tuple[str, str]:
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise SigV4Error(code, "Credential must be <key>/<date>/<region>/<service>/aws4_request")
        key_id, date, region, service, _ = parts
        if date != amz_date[:8]:
            raise SigV4Error(code, "the credential scope date does not match X-Amz-Date")
        if region != self.region:
            raise SigV4Error(code, f"the credential scope region must be {self.region}")
        if service != self.service:
            raise SigV4Error(code, f"the credential scope service must be {self.service}")
        return key_id, "/".join(parts[1:])

    def _payload_hash(self, request: SignedRequest) -> str:
        actual = hashlib.sha256(request.body).hexdigest()
        sent = request.header_values("x-amz-content-sha256")
        if not sent:
            return actual
        if sent[0] in UNSIGNED_PAYLOADS and self.allow_unsigned_payload:
            return sent[0]
        if request.body_streamed:
            # The body is not at hand: it streams after this check, and its receiver compares the declared hash
            # with the bytes (S3 answers XAmzContentSHA256Mismatch), so the signature covers what was declared.
            return sent[0]
        if not _same(sent[0], actual):
            raise SigV4Error("SignatureDoesNotMatch", "x-amz-content-sha256 does not match the payload")
        return sent[0]

    def _check_signature(
        self, request: SignedRequest, key_id: str, scope: str, amz_date: str, canonical: str, signature: str
    ) -> None:
        secret = self.lookup_secret(key_id)
        if secret is None:
            raise SigV4Error("InvalidAccessKeyId", "the access key id does not exist or is inactive")
        date = scope.split("/", 1)[0]
        expected = hmac.new(
            derive_signing_key(secret, date, self.region, self.service),
            string_to_sign(amz_date, scope, canonical).encode(),
            hashlib.sha256,
        ).hexdigest()
        if not _same(expected, signature):
            raise SigV4Error("SignatureDoesNotMatch", "the request signature does not match")

    def _signed_headers(self, request: SignedRequest, value: str, required: tuple[str, ...], code: str) -> list[str]:
        names = value.split(";")
        if names != sorted(set(names)) or any(n != n.lower() or not n for n in names):
            raise SigV4Error(code, "SignedHeaders must be lowercase, sorted and unique")
        for name in required:
            if name not in names:
                raise SigV4Error(code, f"the {name} header must be signed")
        for name in names:
            if not request.header_values(name):
                raise SigV4Error(code, f"signed header {name} is not in the request")
        return names

    def _verify_header(self, request: SignedRequest, authorization: str) -> SigV4Identity:
        code = "AuthorizationHeaderMalformed"
        fields = _parse_authorization(authorization)
        dates = request.header_values("x-amz-date")
        if not dates:
            raise SigV4Error(code, "X-Amz-Date header is required")
        signed_at = _parse_amz_date(dates[0])
        key_id, scope = self._scope(fields["Credential"], dates[0], code)
        try:
            names = self._signed_headers(request, fields["SignedHeaders"], ("host", "x-amz-date"), code)
            if abs(self.clock() - signed_at) > self.skew_seconds:
                raise SigV4Error("RequestTimeTooSkewed", "the request time is too far from the server's clock")
            canonical = canonical_request(
                request,
                names,
                self._payload_hash(request),
                normalize=self.normalize_path,
                double_encode=self.double_encode_path,
            )
            self._check_signature(request, key_id, scope, dates[0], canonical, fields["Signature"])
        except SigV4Error as exc:
            exc.access_key_id = key_id
            raise
        return SigV4Identity(key_id, signed_at, presigned=False, expires_at=None)

    def _verify_query(self, request: SignedRequest) -> SigV4Identity:
        code = "AuthorizationQueryParametersError"
        params: dict[str, str] = {}
        for part in request.query.split("&"):
            key, _, value = part.partition("=")
            if key.startswith("X-Amz-"):
                params[unquote(key)] = unquote(value)
        missing = [n for n in _PRESIGN_PARAMS if not params.get(n)]
        if missing:
            raise SigV4Error(code, f"presigned URL lacks {', '.join(missing)}")
        if params["X-Amz-Algorithm"] != ALGORITHM:
            raise SigV4Error(code, f"X-Amz-Algorithm must be {ALGORITHM}")
        signed_at = _parse_amz_date(params["X-Amz-Date"])
        expires = params["X-Amz-Expires"]
        if not expires.isdigit() or not 1 <= int(expires) <= self.max_expires:
            raise SigV4Error(code, f"X-Amz-Expires must be an integer from 1 to {self.max_expires}")
        key_id, scope = self._scope(params["X-Amz-Credential"], params["X-Amz-Date"], code)
        names = self._signed_headers(request, params["X-Amz-SignedHeaders"], ("host",), code)
        now = self.clock()
        if signed_at - now > self.skew_seconds:
            raise SigV4Error("RequestTimeTooSkewed", "the presigned URL is dated in the future")
        expires_at = signed_at + int(expires)
        payload = "UNSIGNED-PAYLOAD" if self.allow_unsigned_payload else hashlib.sha256(request.body).hexdigest()
        canonical = canonical_request(
            request,
            names,
            payload,
            normalize=self.normalize_path,
            double_encode=self.double_encode_path,
            drop_query=("X-Amz-Signature",),
        )
        self._check_signature(request, key_id, scope, params["X-Amz-Date"], canonical, params["X-Amz-Signature"])
        # Checked after the signature so that an expired URL is only reported to whoever could sign it.
        if now > expires_at:
            raise SigV4Error("AccessDenied", "the presigned URL has expired")
        return SigV4Identity(key_id, signed_at, presigned=True, expires_at=expires_at)
