"""``cloudnx-conformance``: run the suite, list the checks, verify a report, make a signing key pair.

Exit codes of run: 0 conformant, 1 the target failed checks, 2 the kit could not run (message says what to fix),
3 partial (a check of the profile reached no verdict: never conformant); a target that stops answering mid-run
is 1 when a failure was found before, else 2. verify: the same for a genuine report,
2 unreadable, 4 tampered (digest, signature or recomputed verdicts do not match). Help texts in ``cli_help``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

import cloudnx_spec
from conformance import __version__, cli_help
from conformance.catalogue import PROFILES, catalogue
from conformance.contract import contract
from conformance.docs import render_json, render_markdown, render_table
from conformance.errors import KitError
from conformance.runtime import probe_target
from conformance.server import BundledServer
from conformance.settings import Settings, resolve

__all__ = ["main"]

EXIT_KIT = 2
SUITE_INI = Path(__file__).with_name("suite.ini")
_SETTINGS_KEYS = (
    "target", "config", "profile", "seed", "baseline", "include", "exclude", "max_examples", "sign_key",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Never cut to 80 columns in a CI log (no TTY): ids, URLs and curl lines stay on one line each.
    width = None if sys.stdout.isatty() else max(shutil.get_terminal_size((200, 24)).columns, 200)
    console = Console(stderr=False, highlight=False, soft_wrap=True, width=width)
    try:
        return int(args.func(args, console))
    except KitError as exc:
        console.print(f"[bold red]cloudnx-conformance: {exc.describe()}", soft_wrap=True, markup=True)
        return EXIT_KIT
    except KeyboardInterrupt:
        console.print("[bold red]cloudnx-conformance: interrupted")
        return EXIT_KIT


def _version() -> str:
    spec = cloudnx_spec.load()["info"]["version"]
    return f"cloudnx-conformance {__version__} (spec {spec}, digest {cloudnx_spec.digest()[:12]})"


def _parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="cloudnx-conformance", description=cli_help.MAIN, epilog=cli_help.EPILOG, formatter_class=raw
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run the suite against a target (default: the bundled reference server)",
        description=cli_help.RUN,
        epilog=cli_help.RUN_EPILOG,
        formatter_class=raw,
    )
    run.add_argument("--target", metavar="URL", help="base URL of the target; omitted: the bundled reference server")
    run.add_argument("--config", metavar="TOML", help="target config (see examples/target.toml)")
    run.add_argument(
        "--profile", choices=PROFILES, help="ci (fast), core (certification, default), strict (+ RECOMMENDED), full"
    )
    run.add_argument("--seed", type=int, help="seed of generated data (random when omitted; always printed)")
    run.add_argument("--report-dir", metavar="DIR", help="write the reports exactly into DIR (no per-run folder)")
    run.add_argument(
        "--baseline", metavar="REPORT", help="report.json of an earlier run (verified first): only regressions fail"
    )
    run.add_argument("--sign-key", metavar="PEM", help="Ed25519 private key (see `keygen`) that signs report.json")
    run.add_argument("--include", action="append", metavar="PATTERN", help="judge only what matches (see below)")
    run.add_argument("--exclude", action="append", metavar="PATTERN", help="leave out what matches (see below)")
    run.add_argument("--max-examples", type=int, metavar="N", help="examples per operation (default: the profile's)")
    run.add_argument(
        "--header",
        action="append",
        dest="headers",
        metavar="'NAME: VALUE'",
        help="send on every request (repeatable)",
    )
    run.add_argument("--bearer-token", metavar="TOKEN", help="present on signup, for a target without open signup")
    run.add_argument("--list", action="store_true", help="print what would run and exit; nothing is sent")
    run.add_argument("-k", dest="keyword", metavar="EXPR", help="only tests matching this pytest -k expression")
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help="after --: extra pytest arguments")
    run.set_defaults(func=_run)
    checks = sub.add_parser("checks", help="list the check catalogue", description=cli_help.CHECKS)
    checks.add_argument("--format", choices=("table", "json", "markdown"), default="table", help="default table")
    checks.add_argument(
        "--markdown",
        nargs="?",
        const="docs/checks.md",
        metavar="PATH",
        help="write the catalogue as Markdown to PATH (default docs/checks.md)",
    )
    checks.set_defaults(func=_checks)
    verify = sub.add_parser("verify", help="recompute a report's verdict", description=cli_help.VERIFY)
    verify.add_argument("report", help="a report.json written by `run`")
    verify.add_argument("--public-key", help="the signer's Ed25519 public key (PEM): the report must be signed by it")
    verify.set_defaults(func=_verify)
    keygen = sub.add_parser("keygen", help="make an Ed25519 key pair for signing reports (run --sign-key)")
    keygen.add_argument("path", nargs="?", default="cloudnx-report-key", help="writes PATH (private) and PATH.pub")
    keygen.set_defaults(func=_keygen)
    return parser


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    cli = {key: getattr(args, key) for key in _SETTINGS_KEYS}
    cli.update({"headers": args.headers, "bearer_token": args.bearer_token, "report_dir": args.report_dir})
    cli.update(overrides)
    return resolve(cli)  # validates config and options before anything starts (exit 2 on error)


def _run(args: argparse.Namespace, console: Console) -> int:
    settings = _settings(args)
    catalogue()  # a malformed catalogue is a kit error too
    if args.list:
        from conformance.listing import plan, render_plan

        for line in render_plan(plan(settings)):
            console.print(line, markup=False, highlight=False)
        return 0
    run_id = settings.run_id or secrets.token_hex(3)
    if settings.target is not None:
        _probe(settings, settings.target)  # before a report directory is made for a run that cannot happen
        report_dir = _report_dir(args, settings, run_id)
        return _pytest(args, settings.for_run(settings.target, report_dir, run_id), console, bundled=False)
    report_dir = _report_dir(args, settings, run_id)
    with BundledServer(report_dir / "reference-server.log") as url:
        console.print(f"cloudnx-conformance: no --target given; started the bundled reference server at {url}")
        return _pytest(args, settings.for_run(url, report_dir, run_id), console, bundled=True)


def _report_dir(args: argparse.Namespace, settings: Settings, run_id: str) -> Path:
    """``--report-dir DIR`` exactly; otherwise ``<reports>/<UTC time>-<run id>/`` and ``<reports>/latest``."""
    if args.report_dir:
        path = Path(args.report_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path
    root = settings.report_dir
    path = root / f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{run_id}"
    path.mkdir(parents=True, exist_ok=True)
    latest, staging = root / "latest", root / f".latest-{run_id}"
    staging.unlink(missing_ok=True)
    staging.symlink_to(path.name, target_is_directory=True)
    os.replace(staging, latest)  # atomic: a reader never sees `latest` missing
    return path


def _pytest(args: argparse.Namespace, settings: Settings, console: Console, *, bundled: bool) -> int:
    from conformance.plugin import ResolvedSettings
    from conformance.progress import progress_for

    # Resolved once, by _run, and handed to pytest as a plugin object: the plugin does not resolve them again.
    target, report_dir, run_id = settings.target, settings.report_dir, settings.run_id
    if target is None or run_id is None:
        raise KitError("the suite was started without a target or run id", hint="report this as a kit bug")
    if bundled:
        _probe(settings, target)  # a given target was probed by _run already: once per run
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
        "--cnx-run-id",
        run_id,
        # Only the kit's plugin: a plugin the environment happens to have (pytest-randomly reordering, a rerun
        # plugin hiding a flake) must not change a verdict, and pytest AST-rewrites every module of an autoloaded
        # plugin's distribution (all of schemathesis and hypothesis: ~2 s of CPU per run where bytecode is not
        # cached, PYTHONDONTWRITEBYTECODE). junit.xml and allure-results are written from report.json
        # (conformance.report.render), one entry per result; allure-pytest's would count pytest items instead.
        "--disable-plugin-autoload",
        "-p",
        "conformance.plugin",
        "-p",
        "no:terminal",
        # Its end-of-session gc.collect() x 5 over the schemathesis/hypothesis heap costs ~1 s, to report unraisable
        # exceptions as pytest warnings, which a run with no terminal reporter never shows.
        "-p",
        "no:unraisableexception",
    ]
    for flag, value in (("--cnx-config", args.config), ("--cnx-baseline", args.baseline)):
        if value:
            argv += [flag, value]
    if args.max_examples:
        argv += ["--cnx-max-examples", str(args.max_examples)]
    for flag, values in (("--cnx-include", args.include), ("--cnx-exclude", args.exclude)):
        for value in values or ():
            argv += [flag, value]
    if args.keyword:
        argv += ["-k", args.keyword]
    argv += [a for a in args.pytest_args if a != "--"]
    # Secrets are handed over in the environment, never in argv (visible to other users in `ps`).
    if args.bearer_token is not None:
        os.environ["CNX_BEARER_TOKEN"] = args.bearer_token
    if args.headers:
        os.environ["CNX_HEADERS"] = "\n".join(args.headers)
    console.print(
        f"cloudnx-conformance {__version__}: target {target}, profile {settings.profile}, seed {settings.seed}, "
        f"run {run_id}, reports {report_dir}"
    )
    progress = progress_for(console)
    code = pytest.main(argv, plugins=[ResolvedSettings(settings, probed=True), progress])
    session: Any = progress.session
    if session is None or session.summary is None:
        console.print(f"[bold red]cloudnx-conformance: the suite did not run (pytest exit {int(code)})")
        return EXIT_KIT
    from conformance.report.terminal import end_of_run

    rerun = _rerun_prefix(args, None if bundled else target)
    for line in end_of_run(session.summary.report, session.summary.paths, rerun):
        console.print(line, soft_wrap=True, markup=False, highlight=False)
    return int(session.summary.exit_code)


def _probe(settings: Settings, target: str) -> None:
    """Unreachable -> TargetUnreachable (exit 2, one sentence), before pytest starts."""
    with httpx.Client(
        base_url=target,
        timeout=settings.config.timeout,
        verify=settings.config.verify_tls,
        headers=dict(settings.headers),
    ) as http:
        probe_target(http, contract())


def _rerun_prefix(args: argparse.Namespace, target: str | None) -> list[str]:
    """The command line of this run without its selection (the end-of-run summary adds the failing checks)."""
    command = ["cloudnx-conformance", "run"]
    if target:
        command += ["--target", target]
    if args.config:
        command += ["--config", args.config]
    if args.max_examples:
        command += ["--max-examples", str(args.max_examples)]
    for header in args.headers or ():
        command += ["--header", header.partition(":")[0] + ": ***"]
    if args.bearer_token:
        command += ["--bearer-token", '"$CNX_BEARER_TOKEN"']
    return command


def _checks(args: argparse.Namespace, console: Console) -> int:
    if args.markdown:
        path = Path(args.markdown)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_markdown(catalogue()), encoding="utf-8")
        console.print(f"wrote {path}")
        return 0
    if args.format == "json":
        sys.stdout.write(json.dumps(render_json(catalogue()), indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(catalogue()))
    else:
        console.print(render_table(catalogue()))
    return 0


def _verify(args: argparse.Namespace, console: Console) -> int:
    from conformance.report.verify import verify

    result = verify(Path(args.report), Path(args.public_key) if args.public_key else None)
    style = "green" if result.ok else "red"
    console.print(result.message, style=style, soft_wrap=True, markup=False)
    return result.code


def _keygen(args: argparse.Namespace, console: Console) -> int:
    from conformance.report.integrity import generate_keypair

    private, public = Path(args.path), Path(f"{args.path}.pub")
    for path in (private, public):
        if path.exists():
            raise KitError(f"{path} exists already", hint="choose another PATH; a signing key is never overwritten")
    generate_keypair(private, public)
    console.print(f"wrote {private} (private: keep it secret, pass it to run --sign-key) and {public} (public)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
