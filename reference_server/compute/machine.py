"""The instance state machine of ``cloudnx_spec.state_machines()["instance"]``, computed lazily from timestamps.

No background task moves an instance: a record carries ``_next_state`` and ``_transition_at`` and every read
settles the transitions that are due by ``ctx.clock()`` (docs/server-internals.md, "Delayed transitions"). That
keeps the reference server exact and testable: move the clock, read, observe the next state.

Billing is metered here too, because only the state machine knows how long an instance really ran: every
settle records the instance-seconds spent in a billable state since the last one (``_billed_at``).
"""

from __future__ import annotations

import functools
from typing import Any

import cloudnx_spec
from reference_server.platform.core import ServerContext
from reference_server.platform.store import Record

from .common import KIND_INSTANCE

__all__ = ["BILLABLE", "begin", "due_state", "settle", "settle_all", "transition"]

# Seconds that an instance is running (or rebooting, which keeps the VM) are billed, as on every public cloud;
# pending, stopping, stopped and shutting-down are not.
BILLABLE = frozenset({"running", "rebooting"})

# Which delay (a Settings field) leads from a transitional state to the state that follows it.
_DELAY_INTO = {"running": "boot_delay", "stopped": "stop_delay", "terminated": "terminate_delay"}
_NEXT = {"pending": "running", "rebooting": "running", "stopping": "stopped", "shutting-down": "terminated"}


@functools.cache
def transition(operation_id: str) -> tuple[tuple[str, ...], str]:
    """(states the action may start from, state it leads to): the operation's transition in the spec."""
    found = cloudnx_spec.operation(operation_id).transition
    if found is None:
        raise KeyError(f"{operation_id} declares no state transition in the spec")
    return found.from_states, found.to


def begin(ctx: ServerContext, state: str) -> dict[str, Any]:
    """Changes that put a record into ``state`` now, with its delayed successor scheduled (if any)."""
    following = _NEXT.get(state)
    if following is None:
        return {"status": state, "_next_state": None, "_transition_at": None}
    delay = float(getattr(ctx.settings, _DELAY_INTO[following]))
    return {"status": state, "_next_state": following, "_transition_at": ctx.clock() + delay}


def due_state(record: Record, now: float) -> str:
    """The state the record is in at ``now``, without persisting anything (for views of many records)."""
    state = str(record["status"])
    if record.get("_next_state") is not None and now >= float(record["_transition_at"]):
        return str(record["_next_state"])
    return state


def _bill(ctx: ServerContext, record: Record, state: str, until: float) -> float:
    start = float(record.get("_billed_at") or until)
    if state in BILLABLE and until > start:
        ctx.usage.record(
            record["account_id"], "compute", f"instance-seconds:{record['instance_type']}", until - start
        )
    return until


def settle(ctx: ServerContext, record: Record) -> Record | None:
    """Apply every due transition; persist; None once the instance has terminated (it then answers 404)."""
    now = ctx.clock()
    changes: dict[str, Any] = {}
    state = str(record["status"])
    billed_at = float(record.get("_billed_at") or now)
    while record.get("_next_state") is not None and now >= float(record["_transition_at"]):
        at = float(record["_transition_at"])
        billed_at = _bill(ctx, {**record, "_billed_at": billed_at}, state, at)
        state = str(record["_next_state"])
        if state == "terminated":
            ctx.store.delete(KIND_INSTANCE, record["id"])
            return None
        step = begin(ctx, state)
        # A chained delay counts from when the previous transition completed, not from when someone looked.
        if step["_transition_at"] is not None:
            step["_transition_at"] = at + (step["_transition_at"] - now)
        record = {**record, **step}
        changes.update(step)
    billed_at = _bill(ctx, {**record, "_billed_at": billed_at}, state, now)
    changes["_billed_at"] = billed_at
    return ctx.store.update(KIND_INSTANCE, record["id"], **changes)


def settle_all(ctx: ServerContext, account_id: str | None = None, **match: Any) -> list[Record]:
    """Settle and return the account's live instances (optionally only those whose fields equal ``match``)."""
    rows = ctx.store.scan(
        KIND_INSTANCE, account_id, (lambda r: all(r.get(k) == v for k, v in match.items())) if match else None
    )
    live = [settle(ctx, r) for r in rows]
    return [r for r in live if r is not None]
