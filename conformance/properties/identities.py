"""The property part's identities: IAM users of one throwaway account, each with its own rate-limit budget."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

from conformance.identities import Identity
from conformance.runtime import Run

__all__ = ["IdentityPool"]


class IdentityPool:
    """Round-robin over the property account's admin IAM users (bootstrapped on first use)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._cycle: Iterator[Identity] | None = None
        self._by_token: dict[str, str] = {}
        self._lock = threading.Lock()

    def next(self) -> Identity:
        with self._lock:
            if self._cycle is None:
                extra = max(0, self.run.settings.config.identities - 1)
                account = self.run.account("props", extra_admins=extra)
                self._cycle = itertools.cycle([account.admin, *account.extra])
            identity: Identity = next(self._cycle)
        self.run.bootstrapper.renew(identity, "bearer")
        if identity.bearer:
            with self._lock:
                self._by_token[identity.bearer] = identity.name
        return identity

    def identity_of(self, token: str) -> str | None:
        """The pacing key of a bearer token this pool handed out."""
        with self._lock:
            return self._by_token.get(token)
