"""The argparse parsers, built lazily: ``cloudnx`` parses only its global options and the service name, the
service parser only the command name, and only the chosen command's parser is built from its operation — so
``cloudnx compute vpcs-list`` never builds the other 110 commands' options.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
from collections.abc import Iterable
from typing import Any

import cloudnx_spec
from cloudnx_cli import contract
from cloudnx_cli.configure import AUTH_MODES
from cloudnx_cli.contract import Command, Option
from cloudnx_cli.output import FORMATS

__all__ = ["GLOBAL_DESTS", "command_parser", "service_parser", "top_parser"]

_FORMATTER = argparse.RawDescriptionHelpFormatter
GLOBAL_DESTS = (
    "profile",
    "endpoint",
    "output",
    "query",
    "auth",
    "max_attempts",
    "paginate",
    "max_items",
    "timeout",
    "debug",
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_globals(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """The global options; ``nested`` parsers accept them after the command too, without defaults of their own."""
    group = parser.add_argument_group("global options")

    def add(*flags: str, **kwargs: object) -> None:
        if nested:  # accepted after the command too; documented once, in `cloudnx --help`
            kwargs["default"] = argparse.SUPPRESS
            kwargs["help"] = argparse.SUPPRESS
        group.add_argument(*flags, **kwargs)  # type: ignore[arg-type]

    add("--profile", help="profile of ~/.cloudnx (default: CLOUDNX_PROFILE, else `default`)")
    add("--endpoint", help="the API's base URL (default: CLOUDNX_ENDPOINT, else the profile's)")
    add("--output", choices=FORMATS, help="json (the API body, default), yaml, table or text")
    add("--query", metavar="JMESPATH", help="JMESPath applied to the answer before output, e.g. 'vpcs[].id'")
    add("--auth", choices=AUTH_MODES, help="sigv4 (default): sign each request; exchange: a cached bearer JWT")
    add("--max-attempts", type=_positive, metavar="N", help="attempts per call incl. retries (default 5)")
    add("--no-paginate", dest="paginate", action="store_false", help="one page only; do not follow next_cursor")
    add("--max-items", type=_positive, metavar="N", help="stop a list after N items (its next_cursor resumes)")
    add("--timeout", type=float, metavar="SECONDS", help="per-attempt network timeout (default 30)")
    add("--debug", action="store_true", help="print each attempt, its Idempotency-Key and its status to stderr")


class _Version(argparse.Action):
    """``--version``, computed only when asked: importlib.metadata costs ~80 ms, which every call would pay."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, argparse.SUPPRESS, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            kit = version("cloudnx-conformance")
        except PackageNotFoundError:
            kit = "(not installed)"
        print(f"cloudnx {kit} (contract sha256 {cloudnx_spec.digest()[:12]})")
        parser.exit()


def top_parser() -> argparse.ArgumentParser:
    services = contract.commands()
    tags = contract.tag_descriptions()
    lines = ["services (cloudnx SERVICE --help lists its commands):"]
    for service, commands in services.items():
        groups = list(dict.fromkeys(t for c in commands.values() for t in c.operation.tags if t in tags))
        lines.append(f"  {service:10} {len(commands):3} commands: {', '.join(groups)}")
    lines.append(f"  {'configure':10}     store an endpoint and an access key in ~/.cloudnx (a named profile)")
    lines += [
        "",
        "exit status: 0 success, 1 the API answered an error (its body on stderr), 2 usage or configuration error,",
        "3 network failure (no answer after the allowed retries).",
    ]
    parser = argparse.ArgumentParser(
        prog="cloudnx",
        usage="cloudnx [global options] SERVICE COMMAND [options]",
        description=f"The CloudNx CLI: every operation of the contract ({cloudnx_spec.spec_path().name}), signed.",
        epilog="\n".join(lines),
        formatter_class=_FORMATTER,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action=_Version, help="the CLI's version and the contract's sha256")
    parser.add_argument("service", nargs="?", metavar="SERVICE", help="auth, compute, storage or configure")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    _add_globals(parser, nested=False)
    parser.set_defaults(paginate=True)
    return parser


def service_parser(service: str) -> argparse.ArgumentParser:
    tags = contract.tag_descriptions()
    lines = ["commands (cloudnx " + service + " COMMAND --help shows its options):"]
    by_tag: dict[str, list[Command]] = {}
    for command in contract.commands()[service].values():
        by_tag.setdefault(command.operation.tags[0] if command.operation.tags else "", []).append(command)
    for tag, commands in by_tag.items():
        lines.append(f"\n {tag}" + (f" — {tags[tag]}" if tags.get(tag) else ""))
        lines += [f"   {c.name:28} {c.summary}" for c in commands]
    lines.append("\nGlobal options (cloudnx --help) are accepted after the command too.")
    parser = argparse.ArgumentParser(
        prog=f"cloudnx {service}",
        usage=f"cloudnx [global options] {service} COMMAND [options]",
        epilog="\n".join(lines),
        formatter_class=_FORMATTER,
        allow_abbrev=False,
    )
    parser.add_argument("command", metavar="COMMAND", help="one of the commands below")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    _add_globals(parser, nested=True)
    return parser


def _add_option(group: argparse._ArgumentGroup, option: Option) -> None:
    if option.kind == "boolean":
        group.add_argument(option.flag, dest=option.dest, action=argparse.BooleanOptionalAction, help=option.help)
        return
    converter = {"integer": int, "number": float}.get(option.kind, str)
    group.add_argument(
        option.flag,
        dest=option.dest,
        type=converter,
        choices=option.choices,
        required=option.required,
        metavar=option.name.upper(),
        help=option.help,
    )


def _notes(command: Command) -> Iterable[str]:
    op = command.operation
    yield f"{op.method} {op.path}  ->  {op.success_status} on success   (operationId {op.operation_id})"
    if op.takes_idempotency_key:
        yield (
            f"Sends an {cloudnx_spec.idempotency().header} generated once per invocation and reused by every retry"
            + (": a lost answer or a 5xx is retried without acting twice." if op.idempotent else ".")
        )
    if command.list_key:
        yield f"Lists `{command.list_key}`, following {contract.NEXT_CURSOR} (--no-paginate, --max-items)."
    if op.public:
        yield "Public: sent without credentials."


def _wrap(text: str) -> str:
    width = min(shutil.get_terminal_size((100, 24)).columns, 118) - 2
    return "\n".join(textwrap.fill(line, width) if line else line for line in text.splitlines())


def command_parser(command: Command) -> argparse.ArgumentParser:
    parts = [command.summary, "\n".join(_notes(command)), command.description]
    description = _wrap("\n\n".join(parts))
    parser = argparse.ArgumentParser(
        prog=f"cloudnx {command.service} {command.name}",
        description=description,
        formatter_class=_FORMATTER,
        epilog="Global options (cloudnx --help) are accepted here too, e.g. --output, --query, --profile.",
        allow_abbrev=False,
    )
    params = [o for o in command.options if o.location != "body"]
    if params:
        group = parser.add_argument_group("parameters")
        for option in params:
            _add_option(group, option)
    op = command.operation
    if op.takes_idempotency_key:
        parser.add_argument(
            "--idempotency-key",
            metavar="KEY",
            help="use this key instead of a generated one (to repeat a call safely from a script)",
        )
    if command.takes_body:
        group = parser.add_argument_group(
            "request body", "the body is --body, with each field option below set on top of it"
        )
        required = " (required)" if op.request_body_required else ""
        group.add_argument(
            "--body", metavar="JSON|@FILE|-", help=f"the JSON body: inline, @file.json, or - for stdin{required}"
        )
        for option in command.options:
            if option.location == "body":
                _add_option(group, option)
    _add_globals(parser, nested=True)
    return parser
