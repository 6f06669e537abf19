"""``cloudnx``: the CloudNx CLI, built from the contract at run time (``cloudnx_spec``), never from copies of it.

``cloudnx configure`` stores a profile; ``cloudnx SERVICE COMMAND`` calls one operation, signed with SigV4.
"""

from __future__ import annotations

__all__: list[str] = []
