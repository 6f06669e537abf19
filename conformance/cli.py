"""``cloudnx-conformance``: run the suite, list the checks, verify a report.

Exit codes: 0 conformant, 1 the target failed checks, 2 the kit could not run (message says what to fix).
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from conformance.catalogue import PROFILES, catalogue
from conformance.contract import contract
from conformance.docs import render_markdown, render_table
from conformance.errors import KitError
from conformance.runtime import probe_target
from conformance.server import BundledServer
from conformance.settings import resolve

__all__ = ["main"]

EXIT_KIT = 2
SUITE_INI = Path(__file__).with_name("suite.ini")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=False, highlight=False, soft_wrap=True)
    try:
        return int(args.func(args, console))
    except KitError as exc:
        console.print(f"[bold red]cloudnx-conformance: {exc.describe()}", soft_wrap=True)
        return EXIT_KIT
    except KeyboardInterrupt:
        console.print("[bold red]cloudnx-conformance: interrupted")
        return EXIT_KIT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloudnx-conformance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the suite against a target (default: the bundled reference server)")
    run.add_argument("--target", help="base URL of the target; omitted: start the bundled reference server")
    run.add_argument("--config", help="TOML target config (see examples/target.toml)")
    run.add_argument("--profile", choices=PROFILES, help="core (default), strict, full or ci")
    run.add_argument("--report-dir", help="where reports go (default reports/)")
    run.add_argument("--seed", type=int, help="seed for generated data (random when omitted; always recorded)")
    run.add_argument("-k", dest="keyword", help="only tests matching this pytest -k expression")
    run.add_argument("--baseline", help="report.json of an earlier run: fail only on checks that passed there")
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: extra pytest arguments")
    run.set_defaults(func=_run)
    checks = sub.add_parser("checks", help="list the check catalogue")
    checks.add_argument(
        "--markdown",
        nargs="?",
        const="docs/checks.md",
        metavar="PATH",
        help="write the catalogue as Markdown (default docs/checks.md)",
    )
    checks.set_defaults(func=_checks)
    verify = sub.add_parser("verify", help="recompute a report's verdict; refuse one that does not add up")
    verify.add_argument("report", help="a report.json written by `run`")
    verify.set_defaults(func=_verify)
    return parser


def _run(args: argparse.Namespace, console: Console) -> int:
    cli = {
        "target": args.target,
        "config": args.config,
        "profile": args.profile,
        "report_dir": args.report_dir,
        "seed": args.seed,
        "baseline": args.baseline,
    }
    settings = resolve(cli)  # validates config and options before anything starts (exit 2 on error)
    catalogue()  # a malformed catalogue is a kit error too
    if settings.target is not None:
        return _pytest(args, settings.target, console)
    with BundledServer(settings.report_dir / "reference-server.log") as url:
        console.print(f"cloudnx-conformance: no --target given; started the bundled reference server at {url}")
        return _pytest(args, url, console)


def _pytest(args: argparse.Namespace, target: str, console: Console) -> int:
    from conformance.progress import LiveProgress

    settings = resolve(
        {
            "target": target,
            "config": args.config,
            "profile": args.profile,
            "report_dir": args.report_dir,
            "seed": args.seed,
            "baseline": args.baseline,
        }
    )
    report_dir = settings.report_dir
    with httpx.Client(base_url=target, timeout=settings.config.timeout, verify=settings.config.verify_tls) as http:
        probe_target(http, contract())  # unreachable -> KitError -> exit 2, before pytest starts
    argv = [
        "-c",
        str(SUITE_INI),
        "--rootdir",
        str(Path(__file__).parent.parent),
        "--pyargs",
        "conformance.suite",
        "--cnx-target",
        target,
        "--cnx-profile",
        settings.profile,
        "--cnx-seed",
        str(settings.seed),
        "--cnx-report-dir",
        str(report_dir),
        f"--junitxml={report_dir / 'junit.xml'}",
        f"--alluredir={report_dir / 'allure-results'}",
        "--clean-alluredir",
        "-p",
        "no:terminal",
    ]
    if args.config:
        argv += ["--cnx-config", args.config]
    if args.baseline:
        argv += ["--cnx-baseline", args.baseline]
    if args.keyword:
        argv += ["-k", args.keyword]
    if not _plugin_installed():
        argv += ["-p", "conformance.plugin"]
    argv += [a for a in args.pytest_args if a != "--"]
    progress = LiveProgress(console)
    console.print(f"cloudnx-conformance: target {target}, profile {settings.profile}, seed {settings.seed}")
    code = pytest.main(argv, plugins=[progress])
    session: Any = progress.session
    if session is None or session.summary is None:
        console.print(f"[bold red]cloudnx-conformance: the suite did not run (pytest exit {int(code)})")
        return EXIT_KIT
    for line in session.summary.terminal_lines():
        console.print(line, soft_wrap=True, markup=False)
    return int(session.summary.exit_code)


def _plugin_installed() -> bool:
    return any(ep.value == "conformance.plugin" for ep in entry_points(group="pytest11"))


def _checks(args: argparse.Namespace, console: Console) -> int:
    if args.markdown:
        path = Path(args.markdown)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_markdown(catalogue()), encoding="utf-8")
        console.print(f"wrote {path}")
        return 0
    console.print(render_table(catalogue()))
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    from conformance.report.verify import verify

    result = verify(Path(args.report))
    style = "green" if result.ok else "red"
    console.print(f"[{style}]{result.message}", soft_wrap=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
