"""The property-based part's machinery (schemathesis 4.32.5), usable outside pytest's collection.

- ``PropertyRun(run)``: one run's schema, identity pool, paced session and hooks; ``test_operation(id)`` tests
  one operation and returns its :class:`Tally`.
- ``checks``: the kit's own checks (error shape, integer Retry-After, auth probes once per operation).
- ``statuses``: expected statuses per operation, from the spec.
"""

from __future__ import annotations

from conformance.properties.checks import error_shape, retry_after_is_integer
from conformance.properties.engine import PROFILES, ProfileSettings, PropertyRun
from conformance.properties.tally import Tally

__all__ = [
    "PROFILES",
    "ProfileSettings",
    "PropertyRun",
    "Tally",
    "error_shape",
    "retry_after_is_integer",
]
