"""The SigV4 verifier against the official AWS test vectors (awslabs/aws-c-auth, Apache-2.0).

The vectors are read from ../shared/data/aws-sigv4-test-suite/ and never copied into the repository.
"""

from __future__ import annotations

import calendar
import json
import os
import time
from pathlib import Path

import pytest

from reference_server.platform.sigv4 import SignedRequest, SigV4Error, SigV4Verifier, canonical_request

pytestmark = pytest.mark.server

_SUITE = Path("shared") / "data" / "aws-sigv4-test-suite" / "v4"
# The workplace keeps shared/ beside the checkout; a clone elsewhere (CI) finds it at the workplace root, or
# wherever CNX_SIGV4_VECTORS points.
_CANDIDATES = [
    Path(os.environ["CNX_SIGV4_VECTORS"]) if os.environ.get("CNX_SIGV4_VECTORS") else None,
    Path(__file__).resolve().parents[3] / _SUITE,
    Path("/work") / _SUITE,
]
VECTORS = next((p for p in _CANDIDATES if p is not None and p.is_dir()), Path(__file__).resolve().parents[3] / _SUITE)
CASES = sorted(p.name for p in VECTORS.iterdir()) if VECTORS.is_dir() else []
needs_vectors = pytest.mark.skipif(not CASES, reason=f"AWS SigV4 test vectors not found at {VECTORS}")


def parse_raw(text: str) -> SignedRequest:
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1].isspace() and headers:
            # An obsolete line fold (RFC 9112 §5.2): the continuation belongs to the previous value.
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return SignedRequest(method, path, query, tuple(headers), body.encode())


def context(case: str) -> dict[str, object]:
    return json.loads((VECTORS / case / "context.json").read_text())


def verifier(case: str) -> SigV4Verifier:
    ctx = context(case)
    creds = ctx["credentials"]
    assert isinstance(creds, dict)
    now = calendar.timegm(time.strptime(str(ctx["timestamp"]), "%Y-%m-%dT%H:%M:%SZ"))
    return SigV4Verifier(
        service=str(ctx["service"]),
        region=str(ctx["region"]),
        lookup_secret=lambda key: creds["secret_access_key"] if key == creds["access_key_id"] else None,
        clock=lambda: float(now),
        normalize_path=bool(ctx["normalize"]),
        double_encode_path=True,
        allow_unsigned_payload=False,
    )


@needs_vectors
@pytest.mark.parametrize("case", CASES)
def test_header_form_vector_verifies(case: str) -> None:
    request = parse_raw((VECTORS / case / "header-signed-request.txt").read_text())
    identity = verifier(case).verify(request)
    assert not identity.presigned


@needs_vectors
@pytest.mark.parametrize("case", CASES)
def test_header_form_canonical_request_matches_vector(case: str) -> None:
    expected = (VECTORS / case / "header-canonical-request.txt").read_text()
    request = parse_raw((VECTORS / case / "header-signed-request.txt").read_text())
    signed = expected.split("\n")[-2].split(";")
    ctx = context(case)
    got = canonical_request(request, signed, expected.split("\n")[-1], normalize=bool(ctx["normalize"]))
    assert got == expected


@needs_vectors
@pytest.mark.parametrize("case", CASES)
def test_query_form_vector_verifies(case: str) -> None:
    path = VECTORS / case / "query-signed-request.txt"
    if not path.exists():
        pytest.skip(f"{case} has no presigned form")
    request = parse_raw(path.read_text())
    if context(case).get("omit_session_token"):
        # This vector appends X-Amz-Security-Token after signing (an STS quirk): it is not part of the signature.
        kept = [p for p in request.query.split("&") if not p.startswith("X-Amz-Security-Token=")]
        request = SignedRequest(request.method, request.path, "&".join(kept), request.headers, request.body)
    identity = verifier(case).verify(request)
    assert identity.presigned


@needs_vectors
@pytest.mark.parametrize("case", CASES)
def test_tampered_signature_rejected(case: str) -> None:
    text = (VECTORS / case / "header-signed-request.txt").read_text()
    signature = text.split("Signature=", 1)[1][:64]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    with pytest.raises(SigV4Error) as info:
        verifier(case).verify(parse_raw(text.replace(signature, flipped)))
    assert info.value.code == "SignatureDoesNotMatch"


@needs_vectors
def test_vectors_rejected_outside_clock_skew() -> None:
    case = "get-vanilla"
    request = parse_raw((VECTORS / case / "header-signed-request.txt").read_text())
    late = verifier(case)
    now = late.clock()
    late.clock = lambda: now + 901
    with pytest.raises(SigV4Error) as info:
        late.verify(request)
    assert info.value.code == "RequestTimeTooSkewed"
    late.clock = lambda: now + 899
    late.verify(request)
