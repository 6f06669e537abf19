"""The fixtures every check uses (docs/suite-internals.md); registered by the plugin when a target is given.

All of them delegate to the session's :class:`conformance.runtime.Run`, which works without pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import pytest

from conformance.client import ApiClient
from conformance.contract import Contract
from conformance.identities import Account, Identity
from conformance.recording import Recorder
from conformance.runtime import Run, Target, current_run

__all__ = [
    "ApiFactory",
    "FreshAccount",
    "MakeResource",
    "S3ClientFactory",
    "alice",
    "api",
    "bob",
    "contract",
    "fresh_identity",
    "make",
    "raw",
    "s3",
    "target",
]


class ApiFactory(Protocol):
    """What the ``api`` fixture is: identity (and auth) -> a paced, recording :class:`ApiClient`."""

    def __call__(
        self, identity: Identity | Account, auth: str | None = None, *, retry_429: bool = False
    ) -> ApiClient: ...


class MakeResource(Protocol):
    """What the ``make`` fixture is: kind (and owner, fields) -> the created resource's JSON."""

    def __call__(self, kind: str, identity: Identity | Account | None = None, **fields: Any) -> dict[str, Any]: ...


class FreshAccount(Protocol):
    """What the ``fresh_identity`` fixture is: a new throwaway account on each call."""

    def __call__(self) -> Account: ...


class S3ClientFactory(Protocol):
    """What the ``s3`` fixture is: a bucket key (bucket_keys_create's answer) -> a boto3 S3 client (untyped)."""

    def __call__(self, bucket_key: dict[str, Any]) -> Any: ...


@pytest.fixture(scope="session")
def cnx_run() -> Run:
    """The active run (target, identities, clients, recording, cleanup)."""
    return current_run()


@pytest.fixture(autouse=True)
def _cnx_test_scope(request: pytest.FixtureRequest, cnx_run: Run) -> Iterator[None]:
    # Each test records into its own recorder and owns the resources it makes: cleanup is per test.
    recorder = Recorder(cnx_run.redactor)
    request.node.stash[RECORDER_KEY] = recorder
    cnx_run.recorder, cnx_run.owner = recorder, request.node.nodeid
    try:
        yield
    finally:
        failures = cnx_run.cleanup(request.node.nodeid)
        request.node.stash[CLEANUP_KEY] = failures
        cnx_run.operations |= recorder.operations
        cnx_run.recorder, cnx_run.owner = cnx_run.bootstrap_recorder, "bootstrap"


RECORDER_KEY = pytest.StashKey[Recorder]()
CLEANUP_KEY = pytest.StashKey[list[Any]]()
#: The property-based part's per-test tally (conformance.properties.Tally), set by conformance/suite/conftest.py.
TALLY_KEY = pytest.StashKey[Any]()


@pytest.fixture(scope="session")
def target(cnx_run: Run) -> Target:
    """``Target(base_url, s3_url, profile, seed, run_id, config)``."""
    return cnx_run.target


@pytest.fixture(scope="session")
def contract(cnx_run: Run) -> Contract:
    """The spec seen from the suite: ``op(id)``, ``url(id, **params)``, ``ext(name)``."""
    return cnx_run.contract


@pytest.fixture(scope="session")
def alice(cnx_run: Run) -> Account:
    """First account (bootstrapped through the public API, or from the config's [[accounts]] name = "alice")."""
    return cnx_run.account("alice")


@pytest.fixture(scope="session")
def bob(cnx_run: Run) -> Account:
    """Second account, for isolation checks."""
    return cnx_run.account("bob")


@pytest.fixture
def api(cnx_run: Run) -> ApiFactory:
    """``api(identity, auth="cookie"|"bearer"|"sigv4", retry_429=False)`` -> a paced, recording ApiClient.

    ``identity`` is an Identity (``alice.admin``) or an Account (its root). Default auth: cookie for a root user,
    bearer for an IAM user.
    """

    def factory(identity: Identity | Account, auth: str | None = None, *, retry_429: bool = False) -> ApiClient:
        return cnx_run.client(identity, auth, retry_429=retry_429)

    return factory


@pytest.fixture
def raw(cnx_run: Run) -> Iterator[httpx.Client]:
    """An httpx client with no auth and no retries, bound to the target (exchanges still recorded)."""
    with cnx_run.raw() as client:
        yield client


@pytest.fixture
def make(cnx_run: Run) -> MakeResource:
    """``make(kind, identity=None, **fields)`` -> created resource JSON; cleaned up after the test.

    ``kind``: a create operationId or its resource (``"instances"``, ``"vpc"``, ``"eips"``). Path parameters
    (``firewall_id=...``) and body fields are keyword arguments; required parents not given are created too.
    """

    def factory(kind: str, identity: Identity | Account | None = None, **fields: Any) -> dict[str, Any]:
        return cnx_run.make(kind, identity, **fields)

    return factory


@pytest.fixture
def fresh_identity(cnx_run: Run) -> FreshAccount:
    """``fresh_identity()`` -> a new throwaway account (for checks that burn the rate limit or revoke sessions)."""
    return cnx_run.fresh_account


@pytest.fixture
def s3(cnx_run: Run) -> S3ClientFactory:
    """``s3(bucket_key)`` -> a boto3 S3 client for the data plane, signed with that per-bucket key.

    ``bucket_key`` is the bucket_keys_create response (``id`` and ``secret_access_key``).
    """
    import boto3
    from botocore.config import Config as BotoConfig

    plane = cnx_run.contract.s3

    def factory(bucket_key: dict[str, Any]) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=cnx_run.target.s3_url,
            aws_access_key_id=bucket_key["id"],
            aws_secret_access_key=bucket_key["secret_access_key"],
            region_name=plane.signing.region,
            config=BotoConfig(
                s3={"addressing_style": plane.addressing_style},
                signature_version="s3v4",
                retries={"max_attempts": 1},
                # Newer botocore adds CRC checksums by default; S3-compatible targets need not support them.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    return factory
