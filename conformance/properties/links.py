"""Stateful links never follow a null: a reference field that names nothing is no id to call with.

schemathesis 4.32.5 infers links from response fields that name another resource (``GET /compute/eips`` ->
``$response.body#/eips/*/instance_id`` -> ``instances_get``). A wildcard collects every match, nulls included (an
EIP not associated has ``instance_id: null``, as the spec allows), and one match is drawn at random: a drawn null
becomes the path ``/compute/instances/None``, which a correct target refuses with 400 — and positive_data_acceptance
then blames the target for refusing "valid" input. A single-value null is already skipped by schemathesis; here
the nulls are dropped from multi-value matches too, so a followed link always carries a value the response gave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemathesis.core.result import Ok
from schemathesis.core.transforms import UNRESOLVABLE
from schemathesis.generation.stateful.state_machine import ExtractedParam, Transition
from schemathesis.specs.openapi.expressions import MultiMatch

__all__ = ["drop_null_matches", "without_nulls"]


def without_nulls(value: Any) -> Any:
    """``value`` with nulls left out of every multi-value match (no match left: unresolvable)."""
    if isinstance(value, MultiMatch):
        kept = [v for v in value.values if v is not None]
        if not kept:
            return UNRESOLVABLE
        return kept[0] if len(kept) == 1 else MultiMatch(kept)
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items()}
    return value


def _clean(param: ExtractedParam | None) -> None:
    if param is not None and isinstance(param.value, Ok):
        param.value = Ok(without_nulls(param.value.ok()))


def _cleaned(extract: Callable[[Any], Transition]) -> Callable[[Any], Transition]:
    def call(output: Any) -> Transition:
        transition = extract(output)  # cached by schemathesis per step: cleaning it twice changes nothing
        for container in transition.parameters.values():
            for param in container.values():
                _clean(param)
        _clean(transition.request_body)
        return transition

    return call


def drop_null_matches(machine: Any) -> Any:
    """Wrap every link of a schemathesis state machine class so that its extracted values carry no null."""
    for transitions in machine._transitions.operations.values():
        for link in transitions.outgoing:
            link._cached_extract = _cleaned(link._cached_extract)
    return machine
