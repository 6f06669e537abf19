"""The compute service: VPCs, firewalls, instances, volumes, snapshots, Elastic IPs, load balancers, ASGs.

Importing the package registers every compute handler with ``reference_server.core.handler``.
"""

from __future__ import annotations

from . import asgs, eips, firewalls, instances, load_balancers, snapshots, volumes, vpcs

__all__ = ["asgs", "eips", "firewalls", "instances", "load_balancers", "snapshots", "volumes", "vpcs"]
