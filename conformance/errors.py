"""Kit errors: the kit could not run. Never a verdict about the target.

A conformance failure (the target broke a rule) is an ``AssertionError`` raised inside a check; a kit error
(bad config, unreachable target, bootstrap refused) is a :class:`KitError`. The two trees are kept apart so
that the CLI can exit 1 for the first and 2 for the second (schemathesis ``core/failures.py`` vs
``core/errors.py``).
"""

from __future__ import annotations

__all__ = [
    "BootstrapError",
    "CatalogueError",
    "ConfigError",
    "CredentialsError",
    "KitError",
    "NotCloudNx",
    "ReportError",
    "TargetStopped",
    "TargetUnreachable",
]


class KitError(RuntimeError):
    """The kit could not run; the message says what to fix."""

    #: Shown before the message on the terminal, e.g. "configuration".
    kind = "kit"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def describe(self) -> str:
        text = f"{self.kind} error: {self}"
        return f"{text}\n  fix: {self.hint}" if self.hint else text


class ConfigError(KitError):
    """The target config (TOML, env or CLI options) is invalid."""

    kind = "configuration"


class CatalogueError(KitError):
    """conformance/catalogue.yaml is malformed, or a test names an unknown check id."""

    kind = "catalogue"


class TargetUnreachable(KitError):
    """The target did not answer over HTTP (connection refused, DNS, timeout)."""

    kind = "target unreachable"


class NotCloudNx(KitError):
    """The target answers HTTP, but not as a CloudNx API at all (e.g. an HTML page for every path)."""

    kind = "not a CloudNx API"


class TargetStopped(TargetUnreachable):
    """The target answered at first, then stopped answering during the run."""

    kind = "target stopped answering"


class BootstrapError(KitError):
    """The target refused to create the accounts, IAM users or keys the suite needs."""

    kind = "bootstrap"


class CredentialsError(KitError):
    """Credentials from the config file were rejected by the target."""

    kind = "credentials"


class ReportError(KitError):
    """A report could not be written or read."""

    kind = "report"
