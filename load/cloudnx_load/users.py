"""The Locust users. Each bootstraps its own identity, then runs several paced request loops for its lifetime.

- ``HammerUser`` offers about twice the limit on one identity, rotating over auth, compute and storage (each
  service alone stays under the limit, so a limiter counting per service lets everything through and fails).
- ``PoliteUser`` offers above the limit but obeys every 429: nothing is sent until Retry-After has passed, then
  one probe goes alone and must succeed.
- ``QuietUser`` stays well under the limit and must never see a 429.
- ``MixedUser`` runs create -> get -> list -> delete of one resource per service, for throughput, and cleans up.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import gevent  # type: ignore[import-untyped]
from gevent.pool import Group  # type: ignore[import-untyped]
from locust import FastHttpUser, constant, task
from locust.user.users import LOCUST_STATE_STOPPING  # type: ignore[attr-defined]

from cloudnx_load.contract import Endpoint, Lifecycle, contract
from cloudnx_load.identity import Account, BootstrapError, Identity, Reply, bootstrap, load_accounts, login
from cloudnx_load.options import Settings
from cloudnx_load.pacing import BackoffGate, Schedule
from cloudnx_load.plugin import RECORDER, process_tag, register
from cloudnx_load.records import FLAG_JUDGED_PROBE, FLAG_PROBE, Event, UserRecord

__all__ = ["HammerUser", "MixedUser", "PoliteUser", "QuietUser"]

register()  # the listeners come with the users: a locustfile that imports them gets the verdict too
_SEQUENCE = itertools.count()  # per process: numbers users for record names and config accounts


class _CloudNxUser(FastHttpUser):
    abstract = True
    kind: ClassVar[str] = ""
    obeys_retry_after: ClassVar[bool] = True
    wait_time = constant(0)  # the single task runs for the user's whole life
    network_timeout = 10.0  # FastHttpUser's 60 s default would hide a stalled target for a minute
    connection_timeout = 5.0
    concurrency = 66  # > --cnx-loops max: the loops share this user's connection pool

    def factor(self) -> float:
        raise NotImplementedError

    def loops(self) -> int:
        return self.settings.loops

    def on_start(self) -> None:
        self.settings = Settings.from_options(self.environment.parsed_options)
        self.contract = contract()
        number = next(_SEQUENCE)
        self.identity = self._identity(number)
        self.record: UserRecord = RECORDER.user(
            f"{process_tag(self.environment)}/{self.kind}/{number}", self.kind, self.identity.digest
        )
        self.gate = BackoffGate(gevent.sleep)
        self.schedule = Schedule(self.factor() * self.settings.rate_limit)
        self.rotation = itertools.cycle(self.contract.probes)

    def _identity(self, number: int) -> Identity:
        account: Account | None = None
        if self.settings.config:
            accounts = load_accounts(self.settings.config)
            # Workers of one run must not claim the same account: stride by the number of workers.
            options = self.environment.parsed_options
            stride = max(1, int(getattr(options, "expect_workers", 1) or 1))
            index = number * stride + int(getattr(self.environment.runner, "worker_index", 0) or 0)
            account = accounts[index] if index < len(accounts) else None
        try:
            return bootstrap(self._send_anonymous, self.contract, account, self.settings.tag(), gevent.sleep)
        except BootstrapError as exc:
            raise RuntimeError(f"{self.kind} user could not get an identity: {exc}") from exc

    def _send_anonymous(self, method: str, path: str, body: dict[str, Any]) -> Reply:
        with self.client.request(method, path, name=f"bootstrap {path}", json=body, catch_response=True) as resp:
            status = resp.status_code or 0
            if status // 100 == 2 or status == self.contract.rate.exceeded_status:
                resp.success()  # anonymous calls share one budget per client address: a 429 is expected here
            else:
                resp.failure(f"{status} {resp.text[:200] if resp.text else ''}")
            headers = resp.headers
            try:
                payload = resp.json()
            except ValueError:
                payload = None
        self.client.cookiejar.clear()  # we send the access cookie ourselves; never a second copy from the jar
        return status, lambda name: list(headers.getlist(name)) if headers else [], payload

    @task
    def request_loops(self) -> None:
        group = Group()
        try:
            for _ in range(self.loops()):
                group.spawn(self._loop)
            group.join()
        finally:
            group.kill(block=True, timeout=5)

    def _loop(self) -> None:
        # Ends when Locust stops this user (graceful: state check; forced: GreenletExit from group.kill).
        while self._state != LOCUST_STATE_STOPPING:
            delay = self.schedule.take() - time.monotonic()
            if delay > 0:
                gevent.sleep(delay)
            self.step()

    def step(self) -> None:
        self.call(next(self.rotation))

    def call(
        self,
        endpoint: Endpoint,
        body: dict[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        also_ok: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        """One recorded request with this user's identity; obeys 429s when the user class does."""
        rate = self.contract.rate
        probe = self.obeys_retry_after and self.gate.before_send(self.settings.max_wait + 5)
        flags = (FLAG_PROBE | (FLAG_JUDGED_PROBE if self.gate.judged else 0)) if probe else 0
        if self.identity.stale():
            self.identity = login(self._send_anonymous, self.contract, self.identity.account, gevent.sleep)
        url = endpoint.url(**(params or {}))
        sent = time.time()
        with self.client.request(
            endpoint.method,
            url,
            name=endpoint.operation_id,
            json=body,
            headers={"Cookie": self.identity.cookie_header},
            catch_response=True,
        ) as resp:
            received = time.time()
            status = resp.status_code or 0
            retry_after = resp.headers.get(rate.retry_after_header) if status == rate.exceeded_status else None
            if status == rate.exceeded_status:
                resp.request_meta["name"] = f"{endpoint.operation_id} (429)"
                resp.success()  # throttling is what these users provoke; the verdict judges it
            elif status // 100 == 2 or status in also_ok:
                resp.success()
            else:
                resp.failure(f"{status} {resp.text[:200] if resp.text else resp.error}")
            try:
                payload = resp.json() if status // 100 == 2 and resp.text else None
            except ValueError:
                payload = None
        self.record.events.append(Event(sent, received, status, retry_after, flags, endpoint.operation_id))
        if status == rate.exceeded_status and self.obeys_retry_after:
            value = (retry_after or "").strip()
            usable = value.isdigit() and rate.retry_after_min <= int(value) <= rate.retry_after_max
            # Without a usable Retry-After, back off one window anyway (never flood), but judge nothing.
            wait = min(float(value), self.settings.max_wait) if usable else rate.window
            self.gate.on_throttled(wait, usable)
        if probe:
            self.gate.on_probe_answered(status == rate.exceeded_status)
        if status == 0:
            gevent.sleep(rate.window)  # connection refused or timed out: back off instead of flooding
        return status, payload


class HammerUser(_CloudNxUser):
    """About twice the limit on one identity; ignores Retry-After on purpose (the pacing bounds its rate)."""

    weight = 2
    kind = "hammer"
    obeys_retry_after = False

    def factor(self) -> float:
        return self.settings.hammer_factor


class PoliteUser(_CloudNxUser):
    weight = 1
    kind = "polite"

    def factor(self) -> float:
        return self.settings.polite_factor


class QuietUser(_CloudNxUser):
    weight = 1
    kind = "quiet"

    def factor(self) -> float:
        return self.settings.quiet_factor

    def loops(self) -> int:
        return 2  # 15 req/s at loopback latency needs no more; fewer loops, fewer bursts


class MixedUser(_CloudNxUser):
    """create -> get -> list -> delete over the three services; what it creates it deletes (also on stop)."""

    weight = 1
    kind = "mixed"

    def factor(self) -> float:
        return self.settings.mixed_factor

    def loops(self) -> int:
        return 2

    def on_start(self) -> None:
        super().on_start()
        self.created: dict[str, tuple[Lifecycle, dict[str, str]]] = {}

    def _until_not_throttled(
        self,
        endpoint: Endpoint,
        body: dict[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        also_ok: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        for _ in range(5):  # bounded: a 429 is retried after its Retry-After, a few times at most
            status, payload = self.call(endpoint, body, params, also_ok)
            if status != self.contract.rate.exceeded_status:
                return status, payload
        return status, payload

    def _paced(self, endpoint: Endpoint, params: Mapping[str, str] | None = None) -> tuple[int, Any]:
        # Every request of the cycle takes its own slot of the schedule, not only the create.
        gevent.sleep(max(0.0, self.schedule.take() - time.monotonic()))
        return self._until_not_throttled(endpoint, params=params)

    def step(self) -> None:
        life = random.choice(self.contract.lifecycles)  # noqa: S311 - a workload mix, not a secret
        status, created = self._until_not_throttled(life.create, life.body(self.settings.tag()))
        if status // 100 != 2 or not isinstance(created, dict):
            return
        params = {name: str(created.get(pointer.strip("/"), "")) for name, pointer in life.id_params.items()}
        key = "/".join(params.values())
        self.created[key] = (life, params)
        self._paced(life.get, params)
        self._paced(life.list)
        status, _ = self._paced(life.delete, params)
        if status // 100 == 2:
            self.created.pop(key, None)

    def on_stop(self) -> None:
        for key, (life, params) in list(self.created.items()):
            # 404 is fine: the user may have been stopped after its delete reached the target, before the answer.
            status, _ = self._until_not_throttled(life.delete, params=params, also_ok=(404,))
            if status // 100 == 2 or status == 404:
                self.created.pop(key, None)
