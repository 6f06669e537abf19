"""Expected statuses per operation for the data checks, read from the spec.

``positive_data_acceptance`` (INPUT-VALID-ACCEPTED): input valid per the contract may be answered with any
documented code except the two that mean "your input is invalid" (400 validation, 422 semantically invalid).
404/409/410 stay: valid input may name a missing resource (generated path ids), collide with an existing one or
reach an expired one; 401/403 stay for the public/IAM paths; 429 is the rate limit.

``negative_data_rejection`` (INPUT-INVALID-REJECTED): invalid input may be refused with any 4xx the operation
documents — 413 (body over the spec's limit) and 415 (not JSON) included where the contract lists them, each
with the seed's own equivalent (400, cloudnx_spec.levels()) — or a
5xx, which NO-5XX judges on its own so one bug is not reported twice.

A 422 is "well-formed but semantically invalid (a rule JSON Schema cannot express)" (spec, UnprocessableEntity):
where an operation's description states such a rule (it names its 422), a generated valid-per-schema case may
break it, and a 422 (or the seed's 400 in its place) to that case says nothing either way — the case is
inconclusive, never a pass.
"""

from __future__ import annotations

import cloudnx_spec
from conformance.contract import OperationInfo

__all__ = ["INVALID_INPUT", "negative_statuses", "positive_statuses", "semantic_refusals", "states_semantic_rule"]

#: The statuses the seed gives to invalid input: 400 validation error, 422 semantically invalid.
INVALID_INPUT = frozenset({400, 422})


def positive_statuses(info: OperationInfo) -> list[str]:
    return sorted(str(code) for code in info.statuses if code < 500 and code not in INVALID_INPUT)


def negative_statuses(info: OperationInfo) -> list[str]:
    # Each documented code admits the seed's own equivalent (cloudnx_spec.levels().status_codes: 413/415/422 -> 400).
    accepted = cloudnx_spec.levels().accepted(info.statuses)
    return [*sorted(str(code) for code in accepted if 400 <= code < 500), "5xx"]


def semantic_refusals() -> frozenset[int]:
    """422 and the seed's equivalents of it (400): the answers to a broken rule JSON Schema cannot express."""
    return cloudnx_spec.levels().accepted({422})


def states_semantic_rule(info: OperationInfo) -> bool:
    """The operation's description states a rule beyond its schemas, answered with 422 when broken."""
    return "422" in str(info.raw.get("description", ""))
