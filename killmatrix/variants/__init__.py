"""Every named variant of the fault-injection target: one broken rule each, and the check ids that must catch it."""

from __future__ import annotations

from killmatrix.fault import Fault
from killmatrix.variants import auth, checks, data, errors, harden, idempotency, legal, levels, ratelimit, s3, verdict

__all__ = ["VARIANTS", "variant"]


def _collect() -> dict[str, type[Fault]]:
    found: dict[str, type[Fault]] = {"none": Fault}
    for module in (errors, data, idempotency, ratelimit, auth, levels, legal, checks, s3, verdict, harden):
        for name in module.__all__:
            fault = getattr(module, name)
            if fault.name in found:
                raise RuntimeError(f"two variants are named {fault.name!r}")
            found[fault.name] = fault
    return found


#: Variant name -> fault class; ``none`` is the clean reference server.
VARIANTS: dict[str, type[Fault]] = _collect()


def variant(name: str) -> type[Fault]:
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"unknown variant {name!r}; known: {', '.join(sorted(VARIANTS))}") from None
