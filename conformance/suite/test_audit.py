"""Audit: every mutating request the check makes appears in the audit log with the right actor and action.

Spec components.schemas.AuditEvent (actor, action ``<service>:<operationId>``, method, path, outcome) and
``cloudnx_spec.iam_scheme().action``. The check creates, updates and deletes one resource of every kind the spec can
create (in ``ci`` one kind per service), then finds each of its successful mutating requests — parents the kit
had to create included, read back from the check's own recording — in the audit log.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import httpx
import pytest

import cloudnx_spec
from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import RECORDER_KEY, ApiFactory, MakeResource
from conformance.identities import Account
from conformance.resources import creates
from conformance.runtime import Run, Target
from conformance.suite.support import ENDING_SUFFIXES, describe, made, own_link, resource_params, sampled, walk

_MUTATING = ("POST", "PUT", "PATCH", "DELETE")


@check("AUDIT-MUTATIONS")
def test_every_mutation_is_audited_with_actor_and_action(
    request: pytest.FixtureRequest,
    api: ApiFactory,
    alice: Account,
    contract: Contract,
    make: MakeResource,
    target: Target,
    cnx_run: Run,
) -> None:
    actor = alice.admin
    client = api(actor)
    kinds = sampled(target, creates(contract))
    for create in kinds:
        created = made(make, create.operation_id, actor)
        update = own_link(contract, create.operation_id, ("_update",))
        if update is not None:
            body = cnx_run.resources.valid_body(client, contract.op(update))
            reply = client.call(update, path_params=resource_params(contract, update, created), json=body)
            assert reply.status_code < 300, f"setup {update} with the spec's example: {describe(reply)}"
        delete = own_link(contract, create.operation_id, ENDING_SUFFIXES)
        if delete is not None:
            params = resource_params(contract, delete, created)
            reply = client.call(delete, path_params=params, params=cnx_run.resources.force_params(delete))
            assert reply.status_code < 300, f"setup {delete}: {describe(reply)}"
            cnx_run.resources.ended(delete, params)

    principals = {identity.name: identity.principal_id for identity in alice.identities}
    done = []  # (actor principal id, action, method, path) of every successful mutation this check made
    for exchange in request.node.stash[RECORDER_KEY].exchanges:
        path = httpx.URL(exchange.url).path
        operation = contract.match(exchange.method, path)
        if exchange.method in _MUTATING and exchange.status and exchange.status < 300 and operation:
            action = str((contract.op(operation).iam or {}).get("action", ""))
            done.append((principals.get(exchange.identity, exchange.identity), action, exchange.method, path))
    audited_kinds = {contract.match("POST", p) or contract.match("PUT", p) for _, _, m, p in done if m != "DELETE"}
    assert len(done) >= 2 * len(kinds), f"{len(kinds)} kinds gave only {len(done)} mutations: {done}"

    key = contract.op("audit_logs_list").list_key
    largest = int(cloudnx_spec.component("parameters", "Limit")["schema"]["maximum"])
    pages = walk(api(alice.root), "audit_logs_list", key, limit=largest, max_pages=500)
    events = [event for _, page in pages for event in page]
    missing = []
    for principal, action, method, path in done:
        matching = [e for e in events if e.get("path") == path and e.get("action") == action]
        if not matching:
            seen = sorted({str(e.get("action")) for e in events if e.get("path") == path})
            missing.append(f"{method} {path} ({action}) by {principal}; actions logged for that path: {seen}")
            continue
        actors = {(e.get("actor") or {}).get("id") for e in matching}
        assert principal in actors, f"{action} on {path}: audit actor {actors}, the request was made by {principal}"
    assert not missing, (
        f"{len(missing)} of {len(done)} mutations over {len(audited_kinds)} kinds are not in the audit log "
        f"({len(events)} events read):\n" + "\n".join(missing)
    )
