"""Cleanup of what a check made: a resource the check ended itself is not ended again."""

from __future__ import annotations

import httpx
import pytest

from conformance.client import ApiClient
from conformance.contract import contract
from conformance.identities import Identity
from conformance.pacing import Pacer
from conformance.recording import Recorder, Redactor
from conformance.resources import Resources

pytestmark = pytest.mark.suite

_PARAMS = {"team_id": "team-0123456789abcdef", "invite_id": "tinv-0123456789abcdef"}


def _resources_and_calls() -> tuple[Resources, ApiClient, list[str]]:
    calls: list[str] = []

    def revoked_invite(request: httpx.Request) -> httpx.Response:
        # Revoking an invite that is no longer pending is a documented 409 (spec: team_invites_revoke).
        calls.append(f"{request.method} {request.url.path}")
        return httpx.Response(409, json={"error": "the invite is no longer pending"})

    http = httpx.Client(base_url="http://target.invalid", transport=httpx.MockTransport(revoked_invite))
    recorder = Recorder(Redactor())
    identity = Identity("alice.root", "root", "acct-1", cookie_header="cnx_access=x")
    client = ApiClient(http, contract(), identity, "cookie", Pacer(1000), lambda: recorder)
    return Resources(contract(), "run1", lambda: "test"), client, calls


def test_a_resource_the_check_ended_is_not_cleaned_up_again() -> None:
    resources, client, calls = _resources_and_calls()
    resources.schedule(client, "team_invites_revoke", dict(_PARAMS), "test")
    resources.ended("team_invites_revoke", dict(_PARAMS))
    assert resources.cleanup("test", deadline=0.0) == []
    assert calls == []


def test_a_resource_still_pending_is_cleaned_up_and_a_refusal_reported() -> None:
    # The control: without `ended`, cleanup calls the revoke and reports the 409 as a resource left behind.
    resources, client, calls = _resources_and_calls()
    resources.schedule(client, "team_invites_revoke", dict(_PARAMS), "test")
    resources.ended("team_invites_revoke", {**_PARAMS, "invite_id": "tinv-ffffffffffffffff"})  # another invite
    failures = resources.cleanup("test", deadline=0.0)
    assert [f.status for f in failures] == [409]
    revoke = contract().op("team_invites_revoke")
    assert calls == [f"{revoke.method} {contract().url('team_invites_revoke', **_PARAMS)}"]


def test_cleanup_with_no_deadline_tries_once_and_skip_leaves_an_owner_alone() -> None:
    # Run.close: the property part's reference resources answer an expected 409 (children nobody tracks); one
    # attempt each, not cleanup's 3 s of retries per resource.
    resources, client, calls = _resources_and_calls()
    resources.schedule(client, "team_invites_revoke", dict(_PARAMS), "properties")
    assert resources.cleanup(None, skip=("properties",)) == []
    assert calls == []
    failures = resources.cleanup("properties", deadline=0.0)
    assert [f.status for f in failures] == [409]
    assert len(calls) == 1
