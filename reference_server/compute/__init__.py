"""The compute service: VPCs, firewalls, instances, volumes, snapshots, Elastic IPs, load balancers, ASGs.

Importing the package registers every compute handler with ``reference_server.platform.core.handler``.
"""

from __future__ import annotations

import functools

from reference_server.platform.core import ServerContext

from . import asgs, eips, firewalls, instances, load_balancers, snapshots, volumes, vpcs
from .metering import flush_compute_usage

__all__ = [
    "asgs",
    "eips",
    "firewalls",
    "instances",
    "load_balancers",
    "setup",
    "snapshots",
    "volumes",
    "vpcs",
]


def setup(ctx: ServerContext) -> None:
    """Start-up hook, called once per context by the app: volumes and snapshots are metered lazily, so the usage
    meter runs their catch-up before it totals an account (an open invoice is exact when read)."""
    ctx.usage.add_flusher(functools.partial(flush_compute_usage, ctx))
