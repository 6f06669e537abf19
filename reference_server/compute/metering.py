"""Bring an account's compute usage up to now: what billing should call before it sums recorded usage.

Usage is recorded lazily, whenever a record is read or changed (instances by the state machine, volumes and
snapshots by their GiB-hour meters). An invoice computed between two such moments would miss the time since
the last one; flushing first makes the open invoice exact at the moment it is read.
"""

from __future__ import annotations

from reference_server.platform.core import ServerContext

from .machine import settle_all
from .snapshots import flush_snapshots
from .volumes import flush_volumes

__all__ = ["flush_compute_usage"]


def flush_compute_usage(ctx: ServerContext, account_id: str) -> None:
    settle_all(ctx, account_id)
    flush_volumes(ctx, account_id)
    flush_snapshots(ctx, account_id)
