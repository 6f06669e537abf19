"""Offer a measured request rate from one identity, spread over the three services, with several loops.

A single loop cannot offer 30 req/s at loopback-plus-server latency (brief §6), so ``offer`` runs ``loops``
threads, each paced to its share, each with its own connection, and reports the rate actually offered.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["Offered", "Shot", "offer"]


@dataclass(frozen=True)
class Shot:
    sent: float  # seconds since the start of the run
    path: str
    status: int
    retry_after: str | None
    latency: float = 0.0  # seconds until the answer: queueing shows up here


@dataclass
class Offered:
    shots: list[Shot] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.shots) / self.seconds if self.seconds else 0.0

    def statuses(self, status: int) -> list[Shot]:
        return [s for s in self.shots if s.status == status]

    def could_fill_window(self, shot: Shot, window: float, throttled: int) -> int:
        """Accepted requests the target may have counted in the window before deciding ``shot``.

        The target decided each request somewhere between its send and its answer, so an accepted request counts
        when its round trip intersects ``(shot.sent - window, shot answered]``: an upper bound, however the
        requests bunched on the way.
        """
        end = shot.sent + shot.latency
        return sum(
            1
            for s in self.shots
            if s is not shot and s.status != throttled and s.sent <= end and s.sent + s.latency > shot.sent - window
        )

    def max_accepted_in_window(self, window: float, throttled: int) -> int:
        """Most non-throttled requests whose whole round trip (sent .. answered) lies inside one window of
        ``window`` seconds: the target decided each of them inside it.

        Send stamps alone are not enough on a starved client: a thread stamps its send, is descheduled, and puts
        the request on the wire later, so requests stamped within one window may reach the target over a longer
        span, where a correct limiter may accept more of them. A round trip brackets the target's decision
        however late the send went out; on an idle client it is a few milliseconds long.
        """
        accepted = sorted((s.sent, s.sent + s.latency) for s in self.shots if s.status != throttled)
        best = 0
        for first, (start, _) in enumerate(accepted):
            inside = sum(
                1 for sent, answered in accepted[first:] if sent < start + window and answered <= start + window
            )
            best = max(best, inside)
        return best


def offer(
    base_url: str,
    headers: dict[str, str],
    paths: list[str],
    rate: float,
    seconds: float,
    loops: int = 4,
    timeout: float = 10.0,
    verify: ssl.SSLContext | bool = True,
    on_shot: Callable[[Shot], None] | None = None,
) -> Offered:
    """Send to ``paths`` in rotation at ``rate`` req/s in total for ``seconds``; never retries. ``on_shot`` sees
    each answer as it arrives (from the sending thread)."""
    result = Offered()
    lock = threading.Lock()
    begin = time.perf_counter() + 0.05

    def loop(index: int) -> None:
        interval = loops / rate
        due = begin + index * (interval / loops)  # loops interleave evenly
        with httpx.Client(base_url=base_url, headers=headers, timeout=timeout, verify=verify) as client:
            n = 0
            while due - begin < seconds:
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                path = paths[(index + n * loops) % len(paths)]
                sent = time.perf_counter()
                response = client.get(path)
                shot = Shot(
                    sent - begin,
                    path,
                    response.status_code,
                    response.headers.get("retry-after"),
                    time.perf_counter() - sent,
                )
                with lock:
                    result.shots.append(shot)
                if on_shot is not None:
                    on_shot(shot)
                # Never catch up after a slow answer: one loop never sends two requests closer than its interval,
                # so the offered rate is an upper bound in every window (a late loop just offers less).
                due = max(due + interval, sent + interval)
                n += 1

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(loops)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The offered rate is measured on the send times: a slow target or client shows up as a lower rate.
    stamps = sorted(s.sent for s in result.shots)
    result.seconds = (stamps[-1] - stamps[0] + 1.0 / rate) if stamps else seconds
    return result
