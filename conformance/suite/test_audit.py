"""Audit: every mutating request the check makes appears in the audit log with the right actor and action.

Spec components.schemas.AuditEvent (actor, action ``<service>:<operationId>``, method, path, outcome) and
``x-cloudnx-iam-scheme.action``; issue 3: every mutating request on every service is recorded.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import time
from typing import Any

from conformance.checks import check
from conformance.suite.support import describe, walk


@check("AUDIT-MUTATIONS")
def test_every_mutation_is_audited_with_actor_and_action(api: Any, alice: Any, contract: Any) -> None:
    done: list[tuple[str, str, str]] = []  # (actor principal id, action, path)

    def act(
        identity: Any, operation_id: str, *, path_params: dict[str, str] | None = None, json: Any = None
    ) -> dict[str, Any]:
        response = api(identity).call(operation_id, path_params=path_params, json=json)
        assert response.status_code < 300, f"setup {operation_id}: {describe(response)}"
        info = contract.op(operation_id)
        done.append((identity.principal_id, str((info.iam or {}).get("action", "")), response.request.url.path))
        return dict(response.json())

    stamp = time.strftime("%H%M%S")
    vpc = act(
        alice.admin, "vpcs_create", json={**contract.op("vpcs_create").request_example, "name": f"cnx-audit-{stamp}"}
    )
    act(alice.admin, "vpcs_update", path_params={"vpc_id": vpc["id"]}, json={"name": f"cnx-audit2-{stamp}"})
    act(alice.admin, "vpcs_delete", path_params={"vpc_id": vpc["id"]})
    team = act(alice.root, "teams_create", json={"name": f"cnx-audit-{stamp}"})
    act(alice.root, "teams_delete", path_params={"team_id": team["id"]})
    bucket = act(alice.admin, "buckets_create", json={"name": f"cnx-audit-{stamp}-{alice.account_id[-6:]}"})
    act(alice.admin, "buckets_delete", path_params={"bucket_name": bucket["name"]})

    key = contract.op("audit_logs_list").list_key
    largest = int(contract.spec["components"]["parameters"]["Limit"]["schema"]["maximum"])
    pages = walk(api(alice.root), "audit_logs_list", key, limit=largest, max_pages=500)
    events = [event for _, page in pages for event in page]
    for actor, action, path in done:
        matching = [e for e in events if e.get("path") == path and e.get("action") == action]
        assert matching, (
            f"{action} on {path} by {actor} is not in the audit log ({len(events)} events read); "
            f"actions seen for that path: {sorted({e.get('action') for e in events if e.get('path') == path})}"
        )
        actors = {(e.get("actor") or {}).get("id") for e in matching}
        assert actor in actors, f"{action} on {path}: audit actor {actors}, the request was made by {actor}"
