"""The pytest plugin (entry point ``pytest11: cloudnx_conformance``): thin, inert without a target.

Options live in one ``conformance`` group; settings resolve CLI > env (``CNX_*``) > config file > default.
Everything else is in modules that work without pytest (runtime, verdicts, report).
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import session as cnx_session
from conformance.catalogue import CAPABILITIES, SERVICES
from conformance.checks import CHECK_MARKER
from conformance.errors import KitError
from conformance.selection_plugin import SelectionPlugin
from conformance.settings import Settings, resolve

__all__ = ["ResolvedSettings"]

_OPTIONS = {
    "target": "URL of the target API (no target: the plugin stays inert)",
    "config": "TOML target config (see examples/target.toml)",
    "profile": "core (certification, no skips), strict (RECOMMENDED required too), full (deep) or ci (fast)",
    "report-dir": "directory for JUnit, allure, JSON, Markdown and HTML reports (default reports/)",
    "seed": "seed for generated data (printed and recorded; random when not given)",
    "baseline": "report.json of an earlier run (verified first): fail only on checks that passed there",
    "max-examples": "examples per operation in the property-based part (default: the profile's)",
    "bearer-token": "token presented on signup to a target without open signup (or CNX_BEARER_TOKEN)",
    "run-id": "id of this run (report directory, names of created resources); random when not given",
    "sign-key": "Ed25519 private key (PEM, from `cloudnx-conformance keygen`) that signs report.json",
}
# Repeatable options: [kind:]glob patterns (conformance.selection) and extra request headers.
_LISTS = {
    "include": "judge only checks/capabilities/services/operations matching [kind:]GLOB (repeatable)",
    "exclude": "leave out checks/capabilities/services/operations matching [kind:]GLOB (repeatable)",
    "headers": "'Name: value' sent on every request of the run, e.g. a gateway key (repeatable)",
}

_EXTRA_KEYS = ("max_examples", "bearer_token", "run_id", "include", "exclude", "headers")


class ResolvedSettings:
    """Settings a caller (the CLI) already resolved and probed, handed to pytest as a plugin object."""

    def __init__(self, settings: Settings, *, probed: bool) -> None:
        self.settings = settings
        self.probed = probed


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "CloudNx conformance suite")
    for name, text in _OPTIONS.items():
        group.addoption(f"--cnx-{name}", dest=f"cnx_{name.replace('-', '_')}", default=None, help=text)
    for name, text in _LISTS.items():
        flag = "--cnx-header" if name == "headers" else f"--cnx-{name}"
        group.addoption(flag, dest=f"cnx_{name}", action="append", default=None, help=text)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Markers are registered even when inert: `--strict-markers` must accept the suite's modules anywhere.
    config.addinivalue_line("markers", f"{CHECK_MARKER}(id): the catalogue check a test belongs to")
    config.addinivalue_line("markers", "cnx_properties: property-based tests that record verdicts per check")
    for name, text in {**CAPABILITIES, **SERVICES}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if "slow" not in str(config.getini("markers")):
        config.addinivalue_line("markers", "slow: takes more than a few seconds")
    given = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, ResolvedSettings)), None)
    if given is not None:
        settings, probed = given.settings, given.probed  # resolved once, by the CLI
    else:
        cli = {
            key: config.getoption(f"cnx_{key}")
            for key in ("target", "config", "profile", "report_dir", "seed", "baseline", "sign_key", *_EXTRA_KEYS)
        }
        try:
            settings, probed = resolve(cli), False
        except KitError as exc:
            raise pytest.UsageError(exc.describe()) from exc
    if settings.target is None:
        return  # inert: the kit's own tests (and any other pytest run) are untouched
    # junit.xml and allure-results/ are written into the report dir from report.json at the end of the session
    # (conformance.report.render): one entry per check and operation, the unit every view counts.
    config.pluginmanager.register(cnx_session.ConformanceSession(config, settings, probed=probed), "cnx-session")
    config.pluginmanager.register(SelectionPlugin(settings.selection), "cnx-selection")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    active: Any = config.pluginmanager.get_plugin("cnx-session")
    return active.header() if active is not None else None
