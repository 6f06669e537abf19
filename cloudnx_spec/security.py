"""The spec's security facts as frozen dataclasses: the JWT profile, the SigV4 scope, the IAM scheme, the S3 plane.

Read from ``components.securitySchemes`` (``x-cloudnx-jwt``, ``x-cloudnx-sigv4``) and the root extensions
``x-cloudnx-iam-scheme`` and ``x-cloudnx-s3-data-plane``; each raises ``SpecError`` naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudnx_spec._read import Node
from cloudnx_spec.loading import SpecError

__all__ = ["IamScheme", "Jwt", "S3DataPlane", "S3Multipart", "S3Signing", "SigV4"]


def _schemes(spec: Mapping[str, Any]) -> Node:
    return Node((spec.get("components") or {}).get("securitySchemes"), "/components/securitySchemes")


@dataclass(frozen=True)
class Jwt:
    """``x-cloudnx-jwt`` of the bearer scheme (RFC 8725 profile): algorithm, issuer, audience, claims."""

    algorithm: str
    issuer: str
    audience: str
    required_claims: tuple[str, ...]
    ignored_headers: tuple[str, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Jwt:
        schemes = _schemes(spec)
        for name, scheme in schemes.value.items():
            if isinstance(scheme, Mapping) and "x-cloudnx-jwt" in scheme:
                n = schemes.node(name).node("x-cloudnx-jwt")
                return cls(
                    algorithm=n.string("algorithm"),
                    issuer=n.string("issuer"),
                    audience=n.string("audience"),
                    required_claims=n.strings("required_claims"),
                    ignored_headers=n.strings("ignored_headers", ()),
                )
        raise SpecError("spec/openapi.yaml declares no security scheme with x-cloudnx-jwt")


@dataclass(frozen=True)
class SigV4:
    """``x-cloudnx-sigv4`` of the scheme marked ``x-cloudnx-auth-scheme: aws-sigv4`` (AWS Signature Version 4)."""

    scheme_name: str  # the securitySchemes key, as operations name it in `security`
    algorithm: str
    region: str
    service: str
    required_signed_headers: tuple[str, ...]
    clock_skew_seconds: int
    # Longest X-Amz-Expires of a query-string-signed (presigned) request on the control plane.
    presigned_max_seconds: int

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> SigV4:
        schemes = _schemes(spec)
        for name, scheme in schemes.value.items():
            if isinstance(scheme, Mapping) and scheme.get("x-cloudnx-auth-scheme") == "aws-sigv4":
                n = schemes.node(name).node("x-cloudnx-sigv4")
                return cls(
                    scheme_name=name,
                    algorithm=n.string("algorithm"),
                    region=n.string("region"),
                    service=n.string("service"),
                    required_signed_headers=n.strings("required_signed_headers"),
                    clock_skew_seconds=n.integer("clock_skew_seconds"),
                    presigned_max_seconds=n.integer("presigned_max_seconds"),
                )
        raise SpecError("spec/openapi.yaml declares no security scheme with x-cloudnx-auth-scheme: aws-sigv4")

    def as_dict(self) -> dict[str, object]:
        """The scheme's fields as written in the spec (for signers that take a mapping)."""
        return {
            "algorithm": self.algorithm,
            "region": self.region,
            "service": self.service,
            "required_signed_headers": list(self.required_signed_headers),
            "clock_skew_seconds": self.clock_skew_seconds,
            "presigned_max_seconds": self.presigned_max_seconds,
        }


@dataclass(frozen=True)
class IamScheme:
    """``x-cloudnx-iam-scheme``: how policies are evaluated (AWS IAM semantics)."""

    action: str
    resource: str
    wildcards: tuple[str, ...]
    default: str
    explicit_deny_wins: bool
    root_user_subject_to_policies: bool
    authorize_before_lookup: bool
    condition_keys: Mapping[str, str]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> IamScheme:
        n = Node(spec.get("x-cloudnx-iam-scheme"), "/x-cloudnx-iam-scheme")
        keys = n.node("condition_keys") if n.has("condition_keys") else None
        return cls(
            action=n.string("action"),
            resource=n.string("resource"),
            wildcards=n.strings("wildcards"),
            default=n.string("default"),
            explicit_deny_wins=n.boolean("explicit_deny_wins"),
            root_user_subject_to_policies=n.boolean("root_user_subject_to_policies"),
            authorize_before_lookup=n.boolean("authorize_before_lookup"),
            condition_keys={k: keys.string(k) for k in keys.value} if keys else {},
        )


@dataclass(frozen=True)
class S3Signing:
    algorithm: str
    service: str
    region: str


@dataclass(frozen=True)
class S3Multipart:
    """Part size and count rules of multipart upload (EntityTooSmall / EntityTooLarge / InvalidArgument)."""

    min_part_bytes: int  # every part but the last
    max_part_bytes: int
    max_parts: int


@dataclass(frozen=True)
class S3DataPlane:
    """``x-cloudnx-s3-data-plane``: where the S3-compatible plane lives, how it signs, what it offers and caps."""

    url: str
    path_prefix_on_api_host: str  # e.g. "/s3": the plane mounted on the API host
    addressing_style: str
    signing: S3Signing
    operations: tuple[str, ...]
    errors: tuple[str, ...]
    presigned_expired_status: int
    permissions: Mapping[str, tuple[str, ...]]  # key permission -> the S3 operations it allows
    max_put_bytes: int  # one PutObject or one part
    max_object_bytes: int  # a multipart object
    max_key_bytes: int
    multipart: S3Multipart
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> S3DataPlane:
        n = Node(spec.get("x-cloudnx-s3-data-plane"), "/x-cloudnx-s3-data-plane")
        signing = n.node("signing")
        permissions = n.node("permissions")
        prefix = n.string("path_prefix_on_api_host")
        if not prefix.startswith("/") or prefix.endswith("/"):
            raise SpecError(f"spec/openapi.yaml {n.where}/path_prefix_on_api_host must look like /s3, got {prefix!r}")
        return cls(
            url=n.string("url"),
            path_prefix_on_api_host=prefix,
            addressing_style=n.string("addressing_style"),
            signing=S3Signing(signing.string("algorithm"), signing.string("service"), signing.string("region")),
            operations=n.strings("operations"),
            errors=n.strings("errors"),
            presigned_expired_status=n.integer("presigned_expired_status"),
            permissions={name: permissions.strings(name) for name in permissions.value},
            max_put_bytes=n.integer("max_put_bytes"),
            max_object_bytes=n.integer("max_object_bytes"),
            max_key_bytes=n.integer("max_key_bytes"),
            multipart=S3Multipart(
                min_part_bytes=n.node("multipart").integer("min_part_bytes"),
                max_part_bytes=n.node("multipart").integer("max_part_bytes"),
                max_parts=n.node("multipart").integer("max_parts"),
            ),
            raw=n.value,
        )
