"""The scenarios' own command-line options (``--cnx-*``), shown in the web UI and forwarded to workers.

Locust forwards every option it does not know itself from the master to its workers with each spawn message, so
a value given on the master reaches every worker; ``Settings.from_options`` reads them on either side.
Defaults live here and in ``load/locust.conf``; the rate limit itself comes from the spec.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from cloudnx_load.contract import contract
from cloudnx_load.verdict import Thresholds

__all__ = ["KINDS", "Settings", "add_options"]

KINDS = ("hammer", "polite", "quiet", "mixed")

# (option, type, default, help). Factors multiply the spec's rate limit.
_OPTIONS: tuple[tuple[str, type, Any, str], ...] = (
    ("hammer-factor", float, 2.0, "hammer users offer this x the limit, rotating over the services"),
    ("polite-factor", float, 1.5, "polite users offer this x the limit and obey every Retry-After"),
    ("quiet-factor", float, 0.5, "quiet users offer this x the limit and must never see a 429"),
    ("mixed-factor", float, 0.8, "mixed-workload users pace create/get/list/delete at this x the limit"),
    (
        "loops",
        int,
        8,
        "concurrent paced request loops per hammer/polite user (one Locust user sends one "
        "request at a time, too few to offer the rate at 30-100 ms latency)",
    ),
    ("window-tolerance", int, 1, "accepted requests allowed above the limit in one window before it is a violation"),
    ("rate-tolerance", float, 0.05, "steady accepted rate of hammer users must be the limit +/- this fraction"),
    ("min-offered", float, 1.5, "hammer users offering less than this x the limit make the run inconclusive"),
    ("warmup", float, 2.0, "seconds at each hammer user's start left out of its steady rate"),
    ("max-wait", float, 10.0, "longest Retry-After the users obey (seconds); longer ones are capped"),
    (
        "limit",
        int,
        0,
        "judge against this limit instead of the spec's (0 = the spec's); only for targets "
        "deliberately configured otherwise",
    ),
    (
        "mix",
        str,
        "2:1:1:1",
        "user class weights hammer:polite:quiet:mixed (Locust's class weights; name classes "
        "on the command line to run only some)",
    ),
    ("config", str, "", "the suite's TOML target config; its [[accounts]] are used before signing up new ones"),
    ("report-dir", str, "reports/load", "where summary.json, summary.md and rates.png go (master/local only)"),
    ("run-tag", str, "", "prefix of every account and resource name (default: random)"),
)


def add_options(parser: Any) -> None:
    """Register the options on Locust's parser (``events.init_command_line_parser``)."""
    # On the parser itself, not a group: only LocustArgumentParser.add_argument marks options for the web UI.
    for name, kind, default, text in _OPTIONS:
        parser.add_argument(
            f"--cnx-{name}",
            type=kind,
            default=default,
            env_var=f"CNX_LOAD_{name.upper().replace('-', '_')}",
            help=f"{text} (default {default!r})",
            include_in_web_ui=True,
        )


@dataclass(frozen=True)
class Settings:
    hammer_factor: float = 2.0
    polite_factor: float = 1.5
    quiet_factor: float = 0.5
    mixed_factor: float = 0.8
    loops: int = 8
    window_tolerance: int = 1
    rate_tolerance: float = 0.05
    min_offered: float = 1.5
    warmup: float = 2.0
    max_wait: float = 10.0
    limit: int = 0
    mix: str = "2:1:1:1"
    config: str = ""
    report_dir: str = "reports/load"
    run_tag: str = ""

    @classmethod
    def from_options(cls, options: Any) -> Settings:
        values = {}
        for name, kind, default, _ in _OPTIONS:
            value = getattr(options, "cnx_" + name.replace("-", "_"), None) if options is not None else None
            values[name.replace("-", "_")] = default if value is None else kind(value)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if min(self.hammer_factor, self.polite_factor, self.quiet_factor, self.mixed_factor) <= 0:
            raise ValueError("--cnx-*-factor options must be > 0")
        if not 1 <= self.loops <= 64:
            raise ValueError("--cnx-loops must be 1..64")
        if self.max_wait < 1:
            raise ValueError("--cnx-max-wait must be >= 1 second")
        self.weights()

    def weights(self) -> dict[str, int]:
        parts = self.mix.split(":")
        if len(parts) != len(KINDS) or not all(p.isdigit() for p in parts) or not any(int(p) for p in parts):
            raise ValueError(f"--cnx-mix wants four whole weights hammer:polite:quiet:mixed, got {self.mix!r}")
        return dict(zip(KINDS, (int(p) for p in parts), strict=True))

    @property
    def rate_limit(self) -> int:
        return self.limit or contract().rate.limit

    def tag(self) -> str:
        return self.run_tag or _RANDOM_TAG

    def thresholds(self) -> Thresholds:
        rate = contract().rate
        return Thresholds(
            limit=self.rate_limit,
            window=rate.window,
            burst=rate.burst,
            sustained_window=rate.judged_over,
            throttled_status=rate.exceeded_status,
            retry_after_min=rate.retry_after_min,
            retry_after_max=rate.retry_after_max,
            window_tolerance=self.window_tolerance,
            rate_tolerance=round(self.rate_tolerance * self.rate_limit, 3),
            min_offered_factor=self.min_offered,
            warmup=self.warmup,
        )


# One per process; workers of one run differ, which is fine: the tag only has to make names unique.
_RANDOM_TAG = secrets.token_hex(3)
