"""Verdicts of a load run, computed from per-user records only (no Locust here; the kit's tests call it directly).

Timing is judged soundly from the client side. The target decides on a request somewhere between the moment it
left (``sent``) and the moment its answer arrived (``received``), so:

* accepted requests whose whole round trip lies inside a span of T seconds were certainly accepted inside that
  span: their count is a lower bound of what the target let through. The limit is the seed's *soft* limit
  (cloudnx_spec.rate_limit()): at most ``limit * T / window + burst`` in any T seconds, judged over one window and
  over the multi-second ``sustained_window``, so a token bucket's burst passes and a sustained excess (a limit per
  service, a limit set too high) is a proven violation, however slow the network or busy the client;
* a 429 is certainly unjustified when fewer than ``limit - window_tolerance`` accepted requests of that identity
  could have been decided in the window before it (round trips intersecting ``(sent - window, received]``).

Measurements that are not proofs (the steady accepted rate) degrade to "inconclusive" when Locust warned about
its CPU, since a starved client bunches its requests.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from cloudnx_load import EXIT_CODES
from cloudnx_load.records import FLAG_JUDGED_PROBE, FLAG_PROBE, UserRecord

__all__ = ["Check", "Thresholds", "UserStats", "Verdict", "judge"]

_DELAY_SECONDS = re.compile(r"[0-9]+")  # RFC 9110 §10.2.3 delay-seconds = 1*DIGIT
_ORDER = {"violation": 3, "inconclusive": 2, "pass": 1, "not-run": 0}


@dataclass(frozen=True)
class Thresholds:
    limit: int
    window: float
    throttled_status: int
    retry_after_min: int
    retry_after_max: int
    burst: int = 0  # the soft limit's burst (cloudnx_spec.rate_limit().burst)
    sustained_window: float = 0.0  # seconds; the span the sustained rate is judged over (0: one window only)
    window_tolerance: int = 1  # requests; absorbs a target's window-edge convention (< vs <=)
    rate_tolerance: float = 1.5  # req/s around the limit for the steady accepted rate
    min_offered_factor: float = 1.5  # a hammer user offering less than this x limit proves nothing
    warmup: float = 2.0  # seconds of each user's start left out of its steady rate
    min_steady: int = 3  # whole seconds of steady load a hammer user needs

    def most_accepted(self, seconds: float) -> float:
        """The soft limit's bound on what one identity may get accepted in ``seconds`` (>= one window)."""
        return self.limit * max(seconds, self.window) / self.window + self.burst

    @property
    def spans(self) -> tuple[float, ...]:
        return tuple(sorted({self.window, max(self.window, self.sustained_window)}))


@dataclass
class UserStats:
    user: str
    kind: str
    identity: str  # digest of the account's email: lets a report be matched to configured accounts
    requests: int = 0
    accepted: int = 0
    throttled: int = 0
    errors: int = 0
    steady_seconds: int = 0
    offered_rate: float | None = None  # req/s over the steady span (hammer users) or the whole life
    accepted_rate: float | None = None
    max_window: int = 0  # most accepted requests proven inside one window
    max_window_at: float | None = None
    max_sustained: int = 0  # most accepted requests proven inside one sustained span
    max_sustained_at: float | None = None
    unjustified_429: int = 0
    retry_after_invalid: int = 0
    probes_judged: int = 0
    probes_failed: int = 0


@dataclass
class Check:
    id: str
    title: str
    verdict: str = "not-run"
    detail: str = ""
    evidence: list[str] = field(default_factory=list)

    def worst(self, verdict: str, detail: str) -> None:
        if _ORDER[verdict] > _ORDER[self.verdict]:
            self.verdict, self.detail = verdict, detail


@dataclass
class Verdict:
    outcome: str  # pass | violation | inconclusive | request-errors
    exit_code: int
    checks: list[Check]
    users: list[UserStats]
    reasons: list[str]  # why the run as a whole is inconclusive, if it is

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _max_contained(sent: np.ndarray, received: np.ndarray, window: float) -> tuple[int, float | None]:
    if sent.size == 0:
        return 0, None
    order = np.argsort(sent, kind="stable")
    s, r = sent[order], received[order]
    end = np.searchsorted(s, s + window, side="left")
    index = np.arange(s.size)
    counts = np.zeros(s.size, dtype=np.int64)
    for offset in range(int((end - index).max())):
        j = index + offset
        counts += (j < end) & (r[np.minimum(j, s.size - 1)] < s + window)
    best = int(counts.argmax())
    return int(counts[best]), float(s[best])


def _possible_in_window(
    acc_s: np.ndarray, acc_r: np.ndarray, sent: np.ndarray, received: np.ndarray, window: float
) -> np.ndarray:
    """For each throttled request: accepted requests that could have been decided in the window before it."""
    if acc_s.size == 0 or sent.size == 0:
        return np.zeros(sent.size, dtype=np.int64)
    order = np.argsort(acc_s, kind="stable")
    s, r = acc_s[order], acc_r[order]
    longest = float((r - s).max())
    lo = np.searchsorted(s, sent - window - longest, side="left")
    hi = np.searchsorted(s, received, side="right")
    counts = np.zeros(sent.size, dtype=np.int64)
    for offset in range(int((hi - lo).max(initial=0))):
        j = lo + offset
        counts += (j < hi) & (r[np.minimum(j, s.size - 1)] > sent - window)
    return counts


def _user(record: UserRecord, t: Thresholds, ramp_end: float) -> tuple[UserStats, list[str], list[int]]:
    events = sorted(record.events, key=lambda e: e.sent)
    stats = UserStats(record.user, record.kind, record.identity, requests=len(events))
    sent = np.array([e.sent for e in events], dtype=float)
    received = np.array([e.received for e in events], dtype=float)
    status = np.array([e.status for e in events], dtype=np.int64)
    accepted = (status != 0) & (status != t.throttled_status)
    throttled = status == t.throttled_status
    stats.accepted, stats.throttled = int(accepted.sum()), int(throttled.sum())
    stats.errors = int(((status == 0) | (status >= 500)).sum())
    stats.max_window, stats.max_window_at = _max_contained(sent[accepted], received[accepted], t.window)
    stats.max_sustained, stats.max_sustained_at = _max_contained(sent[accepted], received[accepted], t.spans[-1])
    possible = _possible_in_window(sent[accepted], received[accepted], sent[throttled], received[throttled], t.window)
    stats.unjustified_429 = int((possible + t.window_tolerance < t.limit).sum())
    bad_values = []
    for event in events:
        if event.status == t.throttled_status:
            value = event.retry_after
            ok = value is not None and _DELAY_SECONDS.fullmatch(value.strip()) is not None
            if not ok or not t.retry_after_min <= int(value.strip()) <= t.retry_after_max:  # type: ignore[union-attr]
                stats.retry_after_invalid += 1
                bad_values.append("missing" if value is None else repr(value))
        if event.flags & FLAG_PROBE and event.flags & FLAG_JUDGED_PROBE:
            stats.probes_judged += 1
            stats.probes_failed += event.status == t.throttled_status
    if events:
        # A hammer user's steady span starts once every user is up (bootstraps load the target) plus a warm-up.
        start = max(events[0].sent, ramp_end) + t.warmup if record.kind == "hammer" else events[0].sent
        stats.steady_seconds = max(0, math.floor(events[-1].sent - start))
        span = (sent >= start) & (sent < start + stats.steady_seconds)
        if stats.steady_seconds:
            stats.offered_rate = round(float(span.sum()) / stats.steady_seconds, 2)
            stats.accepted_rate = round(float((span & accepted).sum()) / stats.steady_seconds, 2)
    return stats, bad_values, [int(p) for p in possible]


def judge(
    records: list[UserRecord],
    t: Thresholds,
    *,
    cpu_warning: bool = False,
    request_errors: int = 0,
    incomplete: list[str] | None = None,
) -> Verdict:
    checks = {
        c.id: c
        for c in (
            Check(
                "LOAD-RATE-WINDOW",
                f"No identity gets more than {t.limit}/{t.window:g} s x T + a burst of {t.burst} requests accepted "
                f"in any T s (T = {', '.join(f'{s:g}' for s in t.spans)})",
            ),
            Check("LOAD-RATE-STEADY", f"An identity offering about twice the limit gets {t.limit} req/s accepted"),
            Check(
                "LOAD-RETRY-AFTER-INTEGER", "Every 429 carries Retry-After as whole seconds within the spec's bounds"
            ),
            Check("LOAD-RETRY-AFTER-OBEYED", "Waiting out Retry-After makes the next request succeed"),
            Check("LOAD-QUIET-NOT-THROTTLED", "An identity well under the limit is never throttled"),
            Check("LOAD-THROTTLE-JUSTIFIED", f"A 429 comes only after {t.limit} accepted requests in the window"),
        )
    }
    reasons = [f"records incomplete: {item}" for item in incomplete or []]
    if cpu_warning:
        reasons.append("Locust's CPU warning fired: the offered load and its timing cannot be trusted")
    if not records:
        reasons.append("no requests were recorded")
    owners: dict[str, str] = {}
    for record in records:
        if record.identity in owners:
            reasons.append(f"users {owners[record.identity]} and {record.user} share one identity")
        owners.setdefault(record.identity, record.user)
    all_stats = []
    ramp_end = max((min(e.sent for e in r.events) for r in records if r.events), default=0.0)
    for record in records:
        stats, bad_values, _ = _user(record, t, ramp_end)
        all_stats.append(stats)
        _judge_user(checks, stats, bad_values, t, cpu_warning)
    for check in checks.values():
        check.evidence = check.evidence[:20]  # a summary, not a dump: the per-user table has the rest
    if any(c.verdict == "violation" for c in checks.values()):
        outcome = "violation"
    elif request_errors:
        outcome = "request-errors"
    elif reasons or any(c.verdict == "inconclusive" for c in checks.values()):
        outcome = "inconclusive"
    else:
        outcome = "pass"
    return Verdict(outcome, EXIT_CODES[outcome], list(checks.values()), all_stats, reasons)


def _judge_user(
    checks: dict[str, Check], s: UserStats, bad_values: list[str], t: Thresholds, cpu_warning: bool
) -> None:
    window = checks["LOAD-RATE-WINDOW"]
    over = [
        (count, at, span)
        for count, at, span in (
            (s.max_window, s.max_window_at, t.window),
            (s.max_sustained, s.max_sustained_at, t.spans[-1]),
        )
        if count > t.most_accepted(span) + t.window_tolerance
    ]
    for count, at, span in over:
        window.worst("violation", f"up to {count} accepted in {span:g} s (soft limit {t.most_accepted(span):g})")
        window.evidence.append(f"{s.user}: {count} accepted requests inside [{at:.3f}, +{span:g} s)")
    if not over and s.throttled:
        window.worst("pass", "every identity stayed within the soft limit (rate x T + burst) over every span")
    if s.kind == "hammer":
        steady = checks["LOAD-RATE-STEADY"]
        if s.steady_seconds < t.min_steady or s.offered_rate is None or s.accepted_rate is None:
            steady.worst("inconclusive", f"a hammer user ran under {t.min_steady} s of steady load")
            steady.evidence.append(f"{s.user}: {s.steady_seconds} s steady")
        elif s.offered_rate < t.min_offered_factor * t.limit:
            steady.worst("inconclusive", f"a hammer user offered under {t.min_offered_factor:g} x the limit")
            steady.evidence.append(f"{s.user}: offered {s.offered_rate} req/s")
        elif s.accepted_rate > t.limit + t.rate_tolerance:
            steady.worst(
                "inconclusive" if cpu_warning else "violation",
                f"steady accepted rate above {t.limit} + {t.rate_tolerance:g} req/s",
            )
            steady.evidence.append(f"{s.user}: {s.accepted_rate} req/s accepted of {s.offered_rate} offered")
        elif s.accepted_rate < t.limit - t.rate_tolerance:
            # Too few accepted is a violation only when a 429 was unjustified (LOAD-THROTTLE-JUSTIFIED proves
            # that); otherwise a saturated target or client bunched the requests and left window slots unused.
            steady.worst(
                "inconclusive",
                f"steady accepted rate below {t.limit} - {t.rate_tolerance:g} req/s (target or client saturated?)",
            )
            steady.evidence.append(f"{s.user}: {s.accepted_rate} req/s accepted of {s.offered_rate} offered")
        else:
            steady.worst("pass", f"every hammer user got {t.limit} +/- {t.rate_tolerance:g} req/s accepted")
    integer = checks["LOAD-RETRY-AFTER-INTEGER"]
    if s.retry_after_invalid:
        integer.worst("violation", f"429 without a usable Retry-After ({t.retry_after_min}..{t.retry_after_max} s)")
        integer.evidence.append(f"{s.user}: {s.retry_after_invalid} of {s.throttled}, e.g. {bad_values[0]}")
    elif s.throttled:
        integer.worst("pass", "every 429 carried a valid Retry-After")
    obeyed = checks["LOAD-RETRY-AFTER-OBEYED"]
    if s.probes_failed:
        obeyed.worst("violation", "a request after waiting Retry-After was throttled again")
        obeyed.evidence.append(f"{s.user}: {s.probes_failed} of {s.probes_judged} waits did not suffice")
    elif s.probes_judged:
        obeyed.worst("pass", "every request after waiting Retry-After succeeded")
    elif s.kind == "polite":
        obeyed.worst("inconclusive", "a polite user never waited out a valid Retry-After")
        obeyed.evidence.append(f"{s.user}: {s.throttled} 429s, none with a usable Retry-After")
    quiet = checks["LOAD-QUIET-NOT-THROTTLED"]
    if s.kind == "quiet":
        if s.unjustified_429:
            quiet.worst("violation", "a quiet user was throttled without exceeding the limit")
            quiet.evidence.append(f"{s.user}: {s.unjustified_429} unjustified 429s")
        elif s.throttled:
            quiet.worst("inconclusive", "a quiet user was throttled after it burst to the limit itself")
            quiet.evidence.append(f"{s.user}: {s.throttled} 429s, offered {s.offered_rate} req/s")
        else:
            quiet.worst("pass", "no quiet user ever saw a 429")
    justified = checks["LOAD-THROTTLE-JUSTIFIED"]
    if s.unjustified_429:
        justified.worst("violation", f"429s while fewer than {t.limit} requests could be in the window")
        justified.evidence.append(f"{s.user} ({s.kind}): {s.unjustified_429} of {s.throttled} 429s unjustified")
    elif s.throttled:
        justified.worst("pass", "every 429 followed a full window")
