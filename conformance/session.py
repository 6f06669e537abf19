"""The active side of the plugin: one object per pytest session with a target (hooks only, logic elsewhere)."""

from __future__ import annotations

import re
import time
from collections.abc import Generator
from typing import Any

import httpx
import pytest

from conformance import fixtures, runtime
from conformance.breach import ContractBreach
from conformance.catalogue import catalogue
from conformance.checks import CHECK_MARKER, Inconclusive
from conformance.errors import KitError, TargetUnreachable
from conformance.fixtures import CLEANUP_KEY, RECORDER_KEY, TALLY_KEY
from conformance.recording import Exchange
from conformance.runtime import Run
from conformance.settings import Settings
from conformance.verdicts import Outcome, Results

__all__ = ["EXIT_CONFORMANT", "EXIT_FAILED", "EXIT_KIT", "EXIT_PARTIAL", "ConformanceSession", "NotRun"]

EXIT_CONFORMANT, EXIT_FAILED, EXIT_KIT, EXIT_PARTIAL = 0, 1, 2, 3
_DONE = pytest.StashKey[bool]()
_EXCHANGES_PER_FAILURE = 6
_CALL = re.compile(r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/[^\s?'\"]*)")


class NotRun(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The test was not run (the target stopped answering before it): no verdict for its check."""


class ConformanceSession:
    def __init__(self, config: pytest.Config, settings: Settings, *, probed: bool = False) -> None:
        self.config = config
        self.settings = settings
        self.probed = probed  # the CLI probes before pytest starts: the target is probed once per run
        self.run = Run(settings)
        self.results = Results()
        self.cleanup_failures: list[Any] = []
        self.kit_errors: list[str] = []
        self.not_run: list[dict[str, str]] = []  # tests that never reached a verdict, and why
        self.started = time.time()
        self.listeners: list[Any] = []  # progress display (the CLI adds one)
        self.summary: Any = None  # the report summary, set at session finish
        self.properties: dict[str, Any] = {"seed": settings.seed, "tests": 0, "cases": 0, "skipped": []}
        self._breaches: set[tuple[str, str]] = set()
        runtime.set_current(self.run)
        config.pluginmanager.register(fixtures, "cnx-fixtures")

    def header(self) -> list[str]:
        s = self.settings
        return [f"cloudnx-conformance: target {s.target}, profile {s.profile}, seed {s.seed}, run {self.run.run_id}"]

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.probed:
            return
        try:
            self.run.probe()
        except KitError as exc:
            runtime.set_current(None)
            pytest.exit(exc.describe(), returncode=EXIT_KIT)

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            mark = item.get_closest_marker(CHECK_MARKER)
            if mark is not None and not catalogue().get(mark.args[0]).in_profile(self.settings.profile):
                drop.append(item)
            else:
                keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:  # a suite module that does not import is the kit's problem, never a pass
            cause = report.longreprtext.strip().splitlines()
            self.kit_errors.append(
                f"the suite module {report.nodeid or 'conformance.suite'} could not be loaded: "
                f"{cause[-1] if cause else 'unknown error'}"
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        stopped = self.run.lost(RuntimeError("no answer")) if self.run.stopped_at is not None else None
        if stopped is not None:
            raise NotRun(str(stopped))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        if call.when == "teardown":
            failures: list[Any] = item.stash.get(CLEANUP_KEY, [])
            self.cleanup_failures += failures
            return
        if item.stash.get(_DONE, False) or (call.when == "setup" and report.passed):
            return
        if self._unanswered(item, call):
            item.stash[_DONE] = True
            self._keep_failures(item)
            # pytest's own summary agrees with the report: not run, not failed (and no transport traceback).
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, self.not_run[-1]["reason"])
            return
        if self._breached(item, call):
            item.stash[_DONE] = True
            return
        if item.get_closest_marker("cnx_properties") is not None:
            item.stash[_DONE] = True
            self._record_properties(item, report, call)
            return
        mark = item.get_closest_marker(CHECK_MARKER)
        if mark is None:
            return
        item.stash[_DONE] = True
        status, message = _classify(report, call)
        exchanges: list[dict[str, Any]] = []
        if status in ("failed", "error"):
            recorder = item.stash.get(RECORDER_KEY, None)
            if recorder is not None:
                exchanges = [e.to_dict() for e in _kept(recorder.exchanges, message)]
            if status == "error":
                self.kit_errors.append(f"{item.nodeid}: {message}")
        self.record(mark.args[0], Outcome(item.nodeid, status, message, report.duration, exchanges))

    def _unanswered(self, item: pytest.Item, call: pytest.CallInfo[None]) -> bool:
        """The test met a target that no longer answers: no verdict, the rest of the run is not-run."""
        excinfo = call.excinfo
        if excinfo is None:
            return False
        if isinstance(excinfo.value, NotRun):
            stopped: BaseException | None = excinfo.value
        elif _is_transport(excinfo.value):
            stopped = self.run.lost(excinfo.value)
        else:
            return False
        if stopped is None:
            return False
        mark = item.get_closest_marker(CHECK_MARKER)
        self.not_run.append({"nodeid": item.nodeid, "check": mark.args[0] if mark else "", "reason": str(stopped)})
        return True

    def _keep_failures(self, item: pytest.Item) -> None:
        """A property test the target stopped answering during: the failures its cases found before stand."""
        tally = item.stash.get(TALLY_KEY, None)
        if tally is None:
            return
        for check_id, (status, message) in sorted(tally.by_id().items()):
            if status == "failed":
                exchanges = tally.exchanges_of(check_id)
                self.record(
                    check_id, Outcome(item.nodeid, status, message, 0.0, exchanges, operation=tally.operation)
                )

    def _breached(self, item: pytest.Item, call: pytest.CallInfo[None]) -> bool:
        """A setup request answered against the spec: one failure under the broken rule, the test not run."""
        excinfo = call.excinfo
        if excinfo is None or not isinstance(excinfo.value, ContractBreach):
            return False
        breach = excinfo.value
        if (breach.check_id, str(breach)) not in self._breaches:
            self._breaches.add((breach.check_id, str(breach)))
            message = f"during the suite's setup: {breach}"
            failure = Outcome("bootstrap", "failed", message, 0.0, list(breach.exchanges), operation=breach.operation)
            self.record(breach.check_id, failure)
        mark = item.get_closest_marker(CHECK_MARKER)
        reason = f"not run: the setup it needs broke {breach.check_id}"
        self.not_run.append({"nodeid": item.nodeid, "check": mark.args[0] if mark else "", "reason": reason})
        return True

    def _record_properties(self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> None:
        """One property test (one operation) -> an outcome for every catalogue id whose check judged it."""
        tally = item.stash.get(TALLY_KEY, None)
        by_id = tally.by_id() if tally is not None else {}
        operation = getattr(tally, "operation", None)
        status, message = _classify(report, call)
        self.properties["tests"] += 1
        self.properties["cases"] += getattr(tally, "cases", 0)
        if status == "error" or (status == "failed" and not any(s == "failed" for s, _ in by_id.values())):
            # Failed without a check failing: schemathesis or hypothesis could not run it (a kit problem).
            self.kit_errors.append(f"{item.nodeid}: {message[-1500:]}")
        elif status == "inconclusive" and not by_id:
            self.properties["skipped"].append(f"{item.nodeid}: {message[:300]}")
        for check_id, (check_status, check_message) in sorted(by_id.items()):
            self.record(
                check_id,
                Outcome(
                    item.nodeid,
                    check_status,
                    check_message,
                    report.duration,
                    tally.exchanges_of(check_id) if tally is not None and check_status == "failed" else [],
                    operation=operation,
                ),
            )

    def record(self, check_id: str, outcome: Outcome) -> None:
        entry = catalogue().get(check_id)
        if not self.settings.selection.wants_check(entry):
            return  # a test that also judges a check --include/--exclude left out (e.g. ERR-SHAPE on a 429)
        outcome.message = self.run.redactor.text(outcome.message)
        outcome.check, outcome.level = entry.id, str(entry.level)
        if outcome.operation is not None:
            outcome.service = self.run.contract.op(outcome.operation).service
        elif len(entry.services) == 1:
            outcome.service = entry.services[0]
        self.results.add(check_id, outcome)
        for listener in self.listeners:
            listener.outcome(check_id, outcome)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.cleanup_failures += self.run.close()
        runtime.set_current(None)
        from conformance.report import finish  # imported late: report pulls in the HTML/Markdown renderers

        self.summary = finish(self, session)
        if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = self.summary.exit_code

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.summary is not None:
            for line in self.summary.terminal_lines():
                terminalreporter.write_line(line)


def _kept(exchanges: list[Exchange], message: str) -> list[Exchange]:
    """The last few exchanges, and first the one the message names when it is older: a battery of requests
    names its first refusal, long before its last, and the report's curl line should reproduce that one."""
    last = exchanges[-_EXCHANGES_PER_FAILURE:]
    call = _CALL.search(message)
    if call is None:
        return last
    method, path = call.group(1), call.group(2)
    for exchange in exchanges:
        if exchange.method == method and re.sub(r"^[a-z]+://[^/]+", "", exchange.url).split("?")[0] == path:
            return last if exchange in last else [exchange, *last[1:]]
    return last


def _head(message: str, limit: int = 4000) -> str:
    """A long message keeps its beginning: the sentence that names the broken rule comes first."""
    if len(message) <= limit:
        return message
    return f"{message[: limit - 60]}\n… ({len(message) - limit + 60} more characters cut)"


def _is_transport(exc: BaseException) -> bool:
    import requests  # schemathesis's transport; imported here so the plugin stays light

    return isinstance(exc, (TargetUnreachable, httpx.TransportError, requests.ConnectionError, requests.Timeout))


def _classify(report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[str, str]:
    if report.passed:
        return "passed", ""
    excinfo = call.excinfo
    if report.skipped:
        reason = str(excinfo.value) if excinfo is not None else "skipped"
        if excinfo is not None and not excinfo.errisinstance(Inconclusive):
            reason = f"inconclusive: skipped ({reason})"  # a skip never counts as passed
        return "inconclusive", reason
    if excinfo is not None and isinstance(excinfo.value, KitError):
        return "error", excinfo.value.describe()
    if call.when == "setup" and not (excinfo is not None and excinfo.errisinstance(AssertionError)):
        return "error", f"setup failed: {report.longreprtext[-2000:]}"
    if excinfo is not None:
        # The assertion and where it failed, not pytest's long repr: that prints every fixture's value
        # (accounts, clients) into a report meant to be shared.
        path, line, _ = report.location
        return "failed", f"{_head(excinfo.exconly())}\n  at {path}:{(line or 0) + 1}"
    return "failed", _head(report.longreprtext)
