"""Locust event wiring: options, records from workers to the master, the verdict, the report and the exit code.

- Workers stream their users' records to the master with every stats report (``report_to_master`` /
  ``worker_report``) and send the rest in a ``cnx_load_final`` message when their test stops.
- The master (or the single local process) judges at ``quitting`` and sets ``environment.process_exit_code``
  only when the verdict is not a pass (setting 0 would hide Locust's own request failures). In the web UI each
  stopped test also writes the report, a few seconds later, once the workers' final records are in.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from typing import Any

import gevent  # type: ignore[import-untyped]
import locust
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

import cloudnx_spec
from cloudnx_load.contract import contract
from cloudnx_load.identity import load_accounts
from cloudnx_load.options import Settings, add_options
from cloudnx_load.records import Recorder
from cloudnx_load.report import write_report
from cloudnx_load.verdict import Verdict, judge

__all__ = ["RECORDER", "process_tag", "register"]

log = logging.getLogger("cloudnx_load")

#: Every user's records in this process (on the master: everything the workers sent).
RECORDER = Recorder()
_FINAL = "cnx_load_final"
_FLUSH = "cnx_load_flush"
_state: dict[str, Any] = {"finals": set(), "senders": set(), "started": None, "verdict": None}


def register() -> None:
    """Attach the listeners to Locust's events (idempotent: once per process)."""
    if _state.get("registered"):
        return
    _state["registered"] = True
    listeners: dict[str, Callable[..., Any]] = {
        "init_command_line_parser": _options,
        "init": _init,
        "test_start": _start,
        "report_to_master": _ship,
        "worker_report": _collect,
        "test_stop": _stopped,
        "quitting": _quitting,
    }
    for event, listener in listeners.items():
        hook: Any = getattr(events, event)  # Locust's EventHook.add_listener is untyped
        hook.add_listener(listener)


def process_tag(environment: Environment) -> str:
    runner = environment.runner
    return f"w{runner.worker_index}" if isinstance(runner, WorkerRunner) else "local"


def _options(parser: Any, **_: Any) -> None:
    add_options(parser)


def _init(environment: Environment, **_: Any) -> None:
    settings = Settings.from_options(environment.parsed_options)  # fail fast on a bad --cnx-*, on every node
    contract()  # ... and on a spec the scenarios cannot use
    if settings.config:
        load_accounts(settings.config)  # ... and on a bad suite config (the suite's ConfigError says what to fix)
    runner = environment.runner
    if not isinstance(runner, WorkerRunner):
        # The master (or the local runner) dispatches users by class weight: apply --cnx-mix there.
        weights = settings.weights()
        for user_class in environment.user_classes:
            kind = getattr(user_class, "kind", "")
            if kind in weights:
                user_class.weight = weights[kind]
    if isinstance(runner, MasterRunner):
        runner.register_message(_FINAL, _on_final)
    elif isinstance(runner, WorkerRunner):
        runner.register_message(_FLUSH, _on_flush)


def _start(environment: Environment, **_: Any) -> None:
    RECORDER.reset()
    _state.update(finals=set(), senders=set(), started=time.time(), verdict=None)


def _ship(client_id: str, data: dict[str, Any], **_: Any) -> None:
    batch = RECORDER.drain()
    if batch:
        data["cnx_load"] = batch


def _collect(client_id: str, data: dict[str, Any], **_: Any) -> None:
    batch = data.get("cnx_load")
    if batch:
        RECORDER.merge(batch)
        _state["senders"].add(client_id)


def _on_final(environment: Environment, msg: Any, **_: Any) -> None:
    RECORDER.merge(msg.data.get("batch", []))
    _state["senders"].add(msg.node_id)
    _state["finals"].add(msg.node_id)


def _on_flush(environment: Environment, msg: Any, **_: Any) -> None:
    """Master asks for the final records (it is quitting): stop this worker's users now, or just answer."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner) and runner.worker_state in ("spawning", "running"):
        runner.stop()  # fires test_stop, which sends the final batch
    elif isinstance(runner, WorkerRunner):
        runner.send_message(_FINAL, {"batch": RECORDER.drain()})


def _stopped(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message(_FINAL, {"batch": RECORDER.drain()})
        return
    if isinstance(runner, MasterRunner):
        # A headless master quits without stopping its workers first and stops listening 0.5 s later: ask every
        # worker for its last records now, while this master still receives messages.
        _state["finals"] = set()
        runner.send_message(_FLUSH, {})
        workers = {client.id for client in runner.clients.all}
        deadline = time.monotonic() + 15.0
        while time.monotonic() < deadline and not workers <= _state["finals"]:
            gevent.sleep(0.05)
    if not getattr(environment.parsed_options, "headless", False):
        # Web UI: the test may be restarted; report each stopped test.
        gevent.spawn(_judge_and_report, environment)


def _quitting(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or runner is None:
        return
    if isinstance(runner, MasterRunner):
        _await_finals(runner)
    verdict = _judge_and_report(environment)
    if verdict.exit_code:
        environment.process_exit_code = verdict.exit_code


def _await_finals(runner: MasterRunner) -> None:
    """Ctrl-C on a headless master quits before the test stopped: stop it (test_stop collects the records)."""
    if runner.state not in ("stopped", "ready"):
        runner.stop()


def _judge_and_report(environment: Environment) -> Verdict:
    settings = Settings.from_options(environment.parsed_options)
    runner = environment.runner
    cpu = bool(getattr(runner, "cpu_warning_emitted", False) or getattr(runner, "worker_cpu_warning_emitted", False))
    failures = runner.stats.total.num_failures + len(runner.exceptions) if runner else 0
    missing = sorted(_state["senders"] - _state["finals"]) if isinstance(runner, MasterRunner) else []
    thresholds = settings.thresholds()
    records = RECORDER.records()
    verdict = judge(
        records,
        thresholds,
        cpu_warning=cpu,
        request_errors=failures,
        incomplete=[f"no final records from worker {w}" for w in missing],
    )
    rate = contract().rate
    run = {
        "host": environment.host,
        "users": len(records),
        "user_classes": sorted({r.kind for r in records}),
        "limit": thresholds.limit,
        "services": list(rate.services),
        "workers": len(_state["senders"]) if isinstance(runner, MasterRunner) else 0,
        "started": _state["started"],
        "finished": time.time(),
        "request_failures": failures,
        "cpu_warning": cpu,
        "locust_version": locust.__version__,
        "python": platform.python_version(),
        "spec_digest": cloudnx_spec.digest(),
        "options": settings.__dict__,
    }
    paths = write_report(settings.report_dir, verdict, records, thresholds, run)
    _state["verdict"] = verdict
    log.info(
        "CloudNx load verdict: %s (exit code %d); %s",
        verdict.outcome,
        verdict.exit_code,
        ", ".join(str(p) for p in paths),
    )
    for check in verdict.checks:
        log.info("  %-26s %-12s %s", check.id, check.verdict, check.detail)
    for reason in verdict.reasons:
        log.info("  inconclusive: %s", reason)
    return verdict
