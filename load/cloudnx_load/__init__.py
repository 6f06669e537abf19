"""CloudNx load scenarios for Locust: rate-limit verdicts and a mixed workload, aimed at any target.

Importing this package does not import Locust: ``contract``, ``records``, ``verdict`` and ``report`` are plain
Python (the kit's own tests use them in-process); ``users`` and ``plugin`` are the Locust side and are imported
only by ``load/locustfile.py``.
"""

from __future__ import annotations

__all__ = ["EXIT_CODES"]

#: Process exit codes of a Locust run with these scenarios (also documented in the README's Load section).
EXIT_CODES = {
    "pass": 0,
    "request-errors": 1,  # Locust's own --exit-code-on-error default, kept so Locust users are not surprised
    "violation": 3,
    "inconclusive": 4,
}
