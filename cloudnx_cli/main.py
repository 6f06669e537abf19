"""``cloudnx [global options] SERVICE COMMAND [options]``: the entry point and its exit codes.

Exit status: 0 success; 1 the API answered an error (its ``{"error": ...}`` body printed to stderr as sent);
2 a usage or configuration error (one sentence on stderr); 3 a network failure (no answer after the allowed
retries). Never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import cloudnx_spec
from cloudnx_cli import config, configure, contract, parsers
from cloudnx_cli.errors import ApiError, CliError, ExitCode, UsageError
from cloudnx_cli.output import apply_query, render

if TYPE_CHECKING:
    import httpx

    from cloudnx_cli.auth import Auth

__all__ = ["main"]

_DEFAULT_ATTEMPTS = 5
_DEFAULT_TIMEOUT = 30.0


def _unknown(kind: str, name: str, known: Sequence[str], where: str) -> UsageError:
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; `{where} --help` lists them"
    return UsageError(f"unknown {kind} {name!r}{hint}")


def _merge(top: argparse.Namespace, nested: argparse.Namespace) -> argparse.Namespace:
    """Global options given after the command win over the same options given before it."""
    for dest in parsers.GLOBAL_DESTS:
        if hasattr(nested, dest):
            setattr(top, dest, getattr(nested, dest))
    for key, value in vars(nested).items():
        if key not in parsers.GLOBAL_DESTS:
            setattr(top, key, value)
    return top


def _auth(mode: str, command: contract.Command, profile: config.Profile, endpoint: str, timeout: float) -> Auth:
    from cloudnx_cli.auth import EXCHANGE_OPERATION, ExchangeAuth, NoAuth, SigV4Auth
    from cloudnx_cli.transport import Call, Transport

    if command.operation.public:
        return NoAuth()
    key_id, secret = profile.require_key()
    if mode == "sigv4":
        return SigV4Auth(key_id, secret)
    exchange_op = cloudnx_spec.operation(EXCHANGE_OPERATION)

    def exchange(access_key_id: str, secret_access_key: str) -> httpx.Response:
        body = json.dumps({"access_key_id": access_key_id, "secret_access_key": secret_access_key}).encode()
        plain = Transport(endpoint, timeout=timeout)
        try:
            return plain.send(Call(exchange_op.method, exchange_op.path, body=body))
        finally:
            plain.close()

    return ExchangeAuth(profile.name, endpoint, key_id, secret, exchange)


def run(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    # Each invocation is a new process: keep the parsed contract (keyed by its sha256) instead of parsing YAML.
    cloudnx_spec.use_parse_cache(config.config_dir() / "cache")
    top = parsers.top_parser()
    ns = top.parse_args(list(argv))
    if ns.service is None:
        top.print_help(sys.stderr)
        return ExitCode.USAGE
    if ns.service == "configure":
        # `cloudnx --endpoint U configure` means configure's --endpoint (given after the command, it wins).
        given = [*(["--endpoint", ns.endpoint] if ns.endpoint else []), *ns.rest]
        return configure.run(given, ns.profile, environ)
    if ns.service not in contract.commands():
        raise _unknown("service", ns.service, [*contract.services(), "configure"], "cloudnx")
    service_ns = parsers.service_parser(ns.service).parse_args(ns.rest)
    _merge(ns, service_ns)
    command = contract.find(ns.service, service_ns.command)
    if command is None:
        raise _unknown("command", service_ns.command, list(contract.commands()[ns.service]), f"cloudnx {ns.service}")
    _merge(ns, parsers.command_parser(command).parse_args(service_ns.rest))
    profile = config.resolve(ns.profile, ns.endpoint, environ)
    endpoint = profile.require_endpoint()
    fmt = ns.output or profile.output or "json"
    timeout = ns.timeout or _DEFAULT_TIMEOUT
    # httpx and the signers load only now: `--help` at any level never pays for them.
    from cloudnx_cli.invoke import invoke
    from cloudnx_cli.transport import Transport

    auth = _auth(ns.auth or profile.auth or "sigv4", command, profile, endpoint, timeout)
    transport = Transport(
        endpoint, auth, max_attempts=ns.max_attempts or _DEFAULT_ATTEMPTS, timeout=timeout, debug=ns.debug
    )
    try:
        answer = invoke(command, ns, transport)
    finally:
        transport.close()
    if answer is None and not ns.query:
        return ExitCode.OK
    result = apply_query(answer, ns.query)
    text = render(result, fmt, None if ns.query else command.list_key)
    if text:
        print(text)
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv, os.environ)
    except ApiError as exc:
        print(
            exc.body.rstrip("\n") or f"cloudnx: the target answered {exc.status} with an empty body", file=sys.stderr
        )
        return exc.code
    except CliError as exc:
        print(f"cloudnx: {exc}", file=sys.stderr)
        return exc.code
    except cloudnx_spec.SpecError as exc:
        print(f"cloudnx: the contract cannot be read: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("cloudnx: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # `cloudnx ... | head`: the reader left; nothing more to say (stdout is gone).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
