"""The verdict logic on synthetic records (no Locust, no network): sound window counts, justified 429s,
Retry-After checks, inconclusive runs and the exit codes."""

from __future__ import annotations

import pytest

from cloudnx_load import EXIT_CODES
from cloudnx_load.contract import contract
from cloudnx_load.pacing import BackoffGate, Schedule
from cloudnx_load.records import FLAG_JUDGED_PROBE, FLAG_PROBE, Event, Recorder, UserRecord
from cloudnx_load.verdict import Thresholds, judge

pytestmark = pytest.mark.load

LIMIT = contract().rate.limit
BURST = contract().rate.burst
T = Thresholds(
    limit=LIMIT,
    window=1.0,
    throttled_status=429,
    retry_after_min=1,
    retry_after_max=3600,
    burst=BURST,
    sustained_window=contract().rate.judged_over,
)


def simulate(
    kind: str,
    rate: float,
    allowed: int,
    seconds: float = 10.0,
    latency: float = 0.005,
    retry_after: str | None = "1",
    name: str | None = None,
) -> UserRecord:
    """A user offering ``rate`` req/s, evenly paced, to an exact sliding-window limiter of ``allowed``."""
    record = UserRecord(name or f"{kind}-{rate}", kind, name or f"{kind}-{rate}")
    window: list[float] = []
    for i in range(int(rate * seconds)):
        sent = 1000.0 + i / rate
        window = [s for s in window if s > sent - 1.0]
        status = 200 if len(window) < allowed else 429
        if status == 200:
            window.append(sent)
        record.events.append(Event(sent, sent + latency, status, retry_after if status == 429 else None))
    return record


def token_bucket(kind: str, rate: float, refill: float, capacity: int, seconds: float = 10.0) -> UserRecord:
    """A user offering ``rate`` req/s, evenly paced, to a token bucket (``refill`` per s, ``capacity`` tokens)."""
    record = UserRecord(f"{kind}-tb-{rate}", kind, f"{kind}-tb-{rate}")
    tokens, last = float(capacity), 1000.0
    for i in range(int(rate * seconds)):
        sent = 1000.0 + i / rate
        tokens, last = min(float(capacity), tokens + (sent - last) * refill), sent
        status = 200 if tokens >= 1.0 else 429
        tokens -= status == 200
        record.events.append(Event(sent, sent + 0.005, status, "1" if status == 429 else None))
    return record


def verdicts(records: list[UserRecord], **kwargs: object) -> dict[str, str]:
    return {c.id: c.verdict for c in judge(records, T, **kwargs).checks}  # type: ignore[arg-type]


def test_correct_limiter_passes() -> None:
    result = judge([simulate("hammer", 2 * LIMIT, LIMIT), simulate("quiet", LIMIT / 2, LIMIT)], T)
    assert result.outcome == "pass"
    assert result.exit_code == EXIT_CODES["pass"]
    hammer = result.users[0]
    assert hammer.accepted_rate == LIMIT
    assert hammer.offered_rate == 2 * LIMIT
    assert hammer.max_window == LIMIT


def test_limit_counted_per_service_is_a_window_violation() -> None:
    result = judge([simulate("hammer", 2 * LIMIT, 3 * LIMIT)], T)
    assert result.exit_code == EXIT_CODES["violation"]
    assert {c.id: c.verdict for c in result.checks}["LOAD-RATE-WINDOW"] == "violation"


def test_slow_round_trips_never_fake_a_window_violation() -> None:
    # 0.8 s latency: many requests straddle window edges, but only whole round trips inside a window count.
    assert verdicts([simulate("hammer", 2 * LIMIT, LIMIT, latency=0.8)])["LOAD-RATE-WINDOW"] == "pass"


@pytest.mark.parametrize("value", [None, "Thu, 26 Nov 2026 10:00:00 GMT", "0", "1.5"])
def test_unusable_retry_after_is_a_violation(value: str | None) -> None:
    assert verdicts([simulate("hammer", 2 * LIMIT, LIMIT, retry_after=value)])["LOAD-RETRY-AFTER-INTEGER"] == (
        "violation"
    )


def test_a_failed_probe_is_a_violation_an_unjudged_one_is_not() -> None:
    record = simulate("polite", 1.5 * LIMIT, LIMIT)
    record.events.append(Event(2000.0, 2000.01, 429, "1", FLAG_PROBE))
    assert verdicts([record])["LOAD-RETRY-AFTER-OBEYED"] == "inconclusive"
    record.events.append(Event(2002.0, 2002.01, 429, "1", FLAG_PROBE | FLAG_JUDGED_PROBE))
    assert verdicts([record])["LOAD-RETRY-AFTER-OBEYED"] == "violation"


def test_quiet_user_throttled_without_cause_is_a_violation() -> None:
    # One bucket for everybody: the quiet user's 429s come while it had few requests in the window.
    checks = verdicts([simulate("quiet", LIMIT / 2, LIMIT // 3)])
    assert checks["LOAD-QUIET-NOT-THROTTLED"] == "violation"
    assert checks["LOAD-THROTTLE-JUSTIFIED"] == "violation"


def test_too_little_load_or_a_busy_cpu_is_inconclusive_never_a_pass() -> None:
    low = judge([simulate("hammer", 1.2 * LIMIT, LIMIT)], T)
    assert low.outcome == "inconclusive"
    assert low.exit_code == EXIT_CODES["inconclusive"]
    busy = judge([simulate("hammer", 2 * LIMIT, LIMIT)], T, cpu_warning=True)
    assert busy.outcome == "inconclusive"
    strict = judge([simulate("hammer", 2 * LIMIT, LIMIT - 5)], T, cpu_warning=True)
    assert {c.id: c.verdict for c in strict.checks}["LOAD-RATE-STEADY"] == "inconclusive"


def test_shared_identity_and_missing_worker_records_are_inconclusive() -> None:
    shared = [simulate("hammer", 2 * LIMIT, LIMIT, name="a"), simulate("quiet", LIMIT / 2, LIMIT, name="a")]
    assert judge(shared, T).outcome == "inconclusive"
    partial = judge([simulate("hammer", 2 * LIMIT, LIMIT)], T, incomplete=["worker w1"])
    assert partial.outcome == "inconclusive"


def test_request_errors_rank_below_violations_above_inconclusive() -> None:
    assert judge([simulate("hammer", 2 * LIMIT, LIMIT)], T, request_errors=3).exit_code == 1
    assert judge([simulate("hammer", 2 * LIMIT, 2 * LIMIT)], T, request_errors=3).exit_code == 3


def test_recorder_ships_each_event_once() -> None:
    worker, master = Recorder(), Recorder()
    record = worker.user("w0/hammer/0", "hammer", "abc")
    record.events.append(Event(1.0, 1.1, 200, None))
    master.merge(worker.drain())
    assert worker.drain() == []
    record.events.append(Event(2.0, 2.1, 429, "1", FLAG_PROBE))
    master.merge(worker.drain())
    assert [e.status for e in master.users["w0/hammer/0"].events] == [200, 429]


def test_schedule_drops_missed_slots_instead_of_bursting() -> None:
    now = [0.0]
    schedule = Schedule(10.0, max_lag=0.2, clock=lambda: now[0])
    assert [schedule.take() for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    now[0] = 5.0  # the loop stalled for 5 s: it may catch up 0.2 s, not 48 requests
    assert schedule.take() == pytest.approx(4.8)


def test_gate_waits_retry_after_then_lets_one_probe_through() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    gate = BackoffGate(sleep, clock=lambda: now[0])
    assert gate.before_send(5) is False
    gate.on_throttled(2.0, judged=True)
    assert gate.before_send(5) is True
    assert now[0] == pytest.approx(2.0)
    gate.on_probe_answered(throttled=False)
    assert gate.before_send(5) is False


def test_contract_rotates_over_every_rate_limited_service() -> None:
    c = contract()
    assert {p.service for p in c.probes} == set(c.rate.services)
    assert all(p.method == "GET" and "{" not in p.path for p in c.probes)
    assert {life.service for life in c.lifecycles} == set(c.rate.services)


def test_too_strict_limiter_is_caught_by_unjustified_429s() -> None:
    checks = verdicts([simulate("hammer", 2 * LIMIT, LIMIT * 2 // 3)])
    assert checks["LOAD-RATE-STEADY"] == "inconclusive"  # low alone proves nothing (saturation looks the same)
    assert checks["LOAD-THROTTLE-JUSTIFIED"] == "violation"


def test_token_bucket_with_the_declared_burst_passes() -> None:
    # The seed's soft limit: a token bucket of the limit per second holding the declared burst complies.
    result = judge(
        [token_bucket("hammer", 2 * LIMIT, LIMIT, BURST), token_bucket("quiet", LIMIT / 2, LIMIT, BURST)], T
    )
    assert result.outcome == "pass", result.checks
    assert result.users[0].max_window > LIMIT  # the burst shows in the first window, and is allowed
    assert result.users[0].accepted_rate == pytest.approx(LIMIT, abs=T.rate_tolerance)


def test_bucket_bursting_beyond_the_declared_burst_is_a_window_violation() -> None:
    checks = verdicts([token_bucket("hammer", 4 * LIMIT, LIMIT, 3 * BURST)])
    assert checks["LOAD-RATE-WINDOW"] == "violation"


def test_limit_twice_too_high_is_a_sustained_violation() -> None:
    # 60 in one window stays inside rate + burst; over the multi-second span it is twice the sustained rate.
    result = judge([simulate("hammer", 3 * LIMIT, 2 * LIMIT)], T)
    assert result.users[0].max_window <= T.most_accepted(1.0)
    assert {c.id: c.verdict for c in result.checks}["LOAD-RATE-WINDOW"] == "violation"


def test_the_verdict_judges_exactly_the_catalogued_load_checks() -> None:
    from conformance.catalogue import catalogue

    judged = [c.id for c in judge([], T).checks]
    assert judged == [entry.id for entry in catalogue().of_runner("load")]
