"""CloudNx load scenarios: ``locust --config load/locust.conf`` (see the README's Load section).

Thin on purpose: the logic is the ``cloudnx_load`` package, installable on worker machines
(``pip install 'cloudnx-conformance[load]'``). Importing the users also registers the event listeners.
"""

from __future__ import annotations

from cloudnx_load.users import HammerUser, MixedUser, PoliteUser, QuietUser

__all__ = ["HammerUser", "MixedUser", "PoliteUser", "QuietUser"]
