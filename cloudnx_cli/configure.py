"""``cloudnx configure``: store a profile's endpoint and access key, by prompts or by flags.

With none of ``--endpoint``, ``--access-key-id``, ``--secret-access-key`` given it prompts for each (the secret
with getpass, never echoed), showing the stored value (the secret masked) as the default; with any of them it
asks nothing, so scripts and CI can configure a fresh HOME.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Mapping, Sequence

from cloudnx_cli import config
from cloudnx_cli.errors import UsageError

__all__ = ["build_parser", "run"]

OUTPUTS = ("json", "yaml", "table", "text")
AUTH_MODES = ("sigv4", "exchange")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cloudnx configure",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--profile", help="profile to write (default: CLOUDNX_PROFILE, else `default`)")
    parser.add_argument("--endpoint", help="the API's base URL, e.g. https://cloudnx.in")
    parser.add_argument("--access-key-id", help="an IAM user's access key id")
    parser.add_argument("--secret-access-key", help="its secret (prefer the prompt: flags show in `ps`)")
    parser.add_argument("--output", choices=OUTPUTS, help="default --output for this profile")
    parser.add_argument("--auth", choices=AUTH_MODES, help="default --auth for this profile")
    parser.add_argument("--list", action="store_true", help="show the profile's resolved values (secret masked)")
    return parser


def _mask(value: str | None) -> str:
    return "****" + value[-4:] if value and len(value) > 8 else ("****" if value else "")


def _prompt(label: str, current: str | None, reader: Callable[[str], str], *, secret: bool = False) -> str | None:
    shown = _mask(current) if secret else (current or "")
    answer = reader(f"{label} [{shown}]: ").strip()
    return answer or current


def run(
    argv: Sequence[str],
    profile: str | None,
    environ: Mapping[str, str],
    *,
    ask: Callable[[str], str] = input,
    ask_secret: Callable[[str], str] = getpass.getpass,
) -> int:
    args = build_parser().parse_args(list(argv))
    name = args.profile or profile or environ.get("CLOUDNX_PROFILE") or config.DEFAULT_PROFILE
    stored = config.read_profile(name)
    if args.list:
        resolved = config.resolve(name, None, environ) if stored else None
        for key in (*config.CONFIG_KEYS, *config.CREDENTIAL_KEYS):
            value = getattr(resolved, key, None) if resolved else None
            print(f"{key:18} {_mask(value) if key == 'secret_access_key' else value or '-'}")
        return 0
    values = {key: stored.get(key) for key in (*config.CONFIG_KEYS, *config.CREDENTIAL_KEYS)}
    flags = {"endpoint": args.endpoint, "access_key_id": args.access_key_id}
    flags |= {"secret_access_key": args.secret_access_key, "output": args.output, "auth": args.auth}
    if args.endpoint or args.access_key_id or args.secret_access_key:
        values |= {key: value for key, value in flags.items() if value}
    else:
        if not sys.stdin.isatty() and ask is input:
            raise UsageError("no terminal to prompt on: pass --endpoint, --access-key-id and --secret-access-key")
        values["endpoint"] = _prompt("Endpoint URL", values["endpoint"], ask)
        values["access_key_id"] = _prompt("Access key id", values["access_key_id"], ask)
        values["secret_access_key"] = _prompt(
            "Secret access key", values["secret_access_key"], ask_secret, secret=True
        )
        values["output"] = args.output or _prompt("Default output (json/yaml/table/text)", values["output"], ask)
        values["auth"] = args.auth or values["auth"]
    missing = [key for key in ("endpoint", "access_key_id", "secret_access_key") if not values.get(key)]
    if missing:
        raise UsageError(f"profile {name!r} needs {', '.join(missing)}: pass --{missing[0].replace('_', '-')}")
    if values.get("output") and values["output"] not in OUTPUTS:
        raise UsageError(f"output must be one of {', '.join(OUTPUTS)}, not {values['output']!r}")
    endpoint = str(values["endpoint"])
    if not endpoint.startswith(("http://", "https://")):
        raise UsageError(f"endpoint must be an http:// or https:// URL, not {endpoint!r}")
    config.write_profile(name, {key: value for key, value in values.items() if value})
    print(f"profile {name!r} written to {config.config_dir()}", file=sys.stderr)
    return 0
