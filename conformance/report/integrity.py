"""Reports that prove themselves: a SHA-256 digest over the canonical report, and an Ed25519 signature.

The canonical form is the report without its ``integrity`` member, serialised as JSON with sorted keys, no
insignificant whitespace and UTF-8 (the shape of RFC 8785's canonical JSON for the values a report holds:
strings, integers, floats from ``round``, booleans, null). Any edit of any field changes the digest; a faker who
recomputes the digest still cannot produce the signature without the private key (RFC 8032, Ed25519).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conformance.errors import ConfigError

__all__ = [
    "canonical",
    "digest",
    "embedded_signature_problem",
    "generate_keypair",
    "load_private",
    "load_public",
    "seal",
    "signature_problem",
]

ALGORITHM = "Ed25519"
_SIGNATURE_FIELDS = ("algorithm", "public_key", "signature")


def canonical(report: dict[str, Any]) -> bytes:
    body = {k: v for k, v in report.items() if k != "integrity"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest(report: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical(report)).hexdigest()


def seal(report: dict[str, Any], key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """Add ``integrity`` (digest, and with a key: algorithm, public key and signature) to ``report``."""
    integrity: dict[str, Any] = {"digest": digest(report)}
    if key is not None:
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        integrity.update(
            algorithm=ALGORITHM,
            public_key=base64.b64encode(public).decode(),
            signature=base64.b64encode(key.sign(canonical(report))).decode(),
        )
    report["integrity"] = integrity
    return report


def signature_problem(report: dict[str, Any], public: Ed25519PublicKey) -> str | None:
    """None when ``report`` carries a valid signature by ``public``'s private key; else what is wrong."""
    integrity = report.get("integrity") or {}
    if integrity.get("algorithm") != ALGORITHM or not integrity.get("signature"):
        return "the report is not signed (run with --sign-key)"
    try:
        signature = base64.b64decode(integrity["signature"], validate=True)
        public.verify(signature, canonical(report))
    except (InvalidSignature, ValueError, TypeError):
        return "the signature does not match the given public key: the report was altered or signed by another key"
    return None


def embedded_signature_problem(report: dict[str, Any]) -> str | None:
    """A signed report must be signed by the public key it names: an edited signature, key or algorithm shows.

    This proves integrity only (anyone can sign with a key of their own); who signed is proved by checking
    against a trusted public key (``verify --public-key``).
    """
    integrity = report.get("integrity") or {}
    unknown = sorted(set(integrity) - {"digest", *_SIGNATURE_FIELDS})
    if unknown:
        return f"unknown integrity fields {unknown}"
    present = [f for f in _SIGNATURE_FIELDS if f in integrity]
    if not present:
        return None
    if len(present) != len(_SIGNATURE_FIELDS):
        return f"a signature needs {', '.join(_SIGNATURE_FIELDS)}; the report has only {', '.join(present)}"
    try:
        embedded = Ed25519PublicKey.from_public_bytes(base64.b64decode(integrity["public_key"], validate=True))
    except (ValueError, TypeError):
        return "the report's public_key is not an Ed25519 public key"
    return signature_problem(report, embedded)


def generate_keypair(private_path: Path, public_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"cannot read the signing key {path}: {exc}", hint="make one: cloudnx-conformance keygen"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path} is not an Ed25519 private key", hint="make one: cloudnx-conformance keygen")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"cannot read the public key {path}: {exc}", hint="pass the .pub file of keygen") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path} is not an Ed25519 public key", hint="pass the .pub file of keygen")
    return key
