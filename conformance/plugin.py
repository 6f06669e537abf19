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
from conformance.settings import resolve

_OPTIONS = {
    "target": "URL of the target API (no target: the plugin stays inert)",
    "config": "TOML target config (see examples/target.toml)",
    "profile": "core (certification, no skips), strict (RECOMMENDED required too), full (deep) or ci (fast)",
    "report-dir": "directory for JUnit, allure, JSON, Markdown and HTML reports (default reports/)",
    "seed": "seed for generated data (printed and recorded; random when not given)",
    "baseline": "report.json of an earlier run: fail only on checks that passed there",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "CloudNx conformance suite")
    for name, text in _OPTIONS.items():
        group.addoption(f"--cnx-{name}", dest=f"cnx_{name.replace('-', '_')}", default=None, help=text)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Markers are registered even when inert: `--strict-markers` must accept the suite's modules anywhere.
    config.addinivalue_line("markers", f"{CHECK_MARKER}(id): the catalogue check a test belongs to")
    config.addinivalue_line("markers", "cnx_properties: property-based tests that record verdicts per check")
    for name, text in {**CAPABILITIES, **SERVICES}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if "slow" not in str(config.getini("markers")):
        config.addinivalue_line("markers", "slow: takes more than a few seconds")
    cli = {
        key: config.getoption(f"cnx_{key}")
        for key in ("target", "config", "profile", "report_dir", "seed", "baseline")
    }
    try:
        settings = resolve(cli)
    except KitError as exc:
        raise pytest.UsageError(exc.describe()) from exc
    if settings.target is None:
        return  # inert: the kit's own tests (and any other pytest run) are untouched
    # Every report lands in the report dir unless the user chose otherwise (tryfirst: before junitxml/allure read
    # their options).
    if not getattr(config.option, "xmlpath", None):
        config.option.xmlpath = str(settings.report_dir / "junit.xml")
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(settings.report_dir / "allure-results")
        config.option.clean_alluredir = True
    config.pluginmanager.register(cnx_session.ConformanceSession(config, settings), "cnx-session")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    active: Any = config.pluginmanager.get_plugin("cnx-session")
    return active.header() if active is not None else None
