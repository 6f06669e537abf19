"""The run: target, identities, clients, recording and cleanup, in one object usable without pytest.

The plugin creates one :class:`Run` per pytest session from the resolved settings; fixtures delegate to it.
Accounts are bootstrapped lazily, once, on first use.
"""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.bootstrap import ANONYMOUS, Bootstrapper
from conformance.breach import ContractBreach
from conformance.client import ApiClient
from conformance.config import Config
from conformance.contract import Contract, contract
from conformance.errors import KitError, NotCloudNx, TargetStopped, TargetUnreachable
from conformance.identities import Account, Identity
from conformance.pacing import PacerPool
from conformance.recording import Recorder, redactor
from conformance.resources import CleanupFailure, Resources
from conformance.settings import Settings

__all__ = ["LEFT_ON_STOPPED_TARGET", "Run", "Target", "current_run"]

#: the cleanup detail of a resource a run could not delete because the target had stopped answering
LEFT_ON_STOPPED_TARGET = "not deleted: the target had stopped answering"


@dataclass(frozen=True)
class Target:
    base_url: str
    s3_url: str
    profile: str
    seed: int
    run_id: str
    config: Config
    #: ``verify=`` for every HTTP client of the run: one TLS context (loading the CA bundle costs ~0.1-0.3 s of
    #: CPU per client), or False when the config turns verification off.
    verify: ssl.SSLContext | bool = True


class Run:
    def __init__(self, settings: Settings) -> None:
        if settings.target is None:
            raise KitError("a run needs a target URL", hint="pass --cnx-target URL or set CNX_TARGET")
        self.settings = settings
        self.run_id = settings.run_id or secrets.token_hex(3)
        self.target = Target(
            settings.target,
            settings.s3_url or f"{settings.target}/s3",
            settings.profile,
            settings.seed,
            self.run_id,
            settings.config,
            httpx.create_ssl_context() if settings.config.verify_tls else False,
        )
        self.contract: Contract = contract()
        self.redactor = redactor()
        self.redactor.add(settings.bearer_token, *(value for _, value in settings.headers))
        limit, window = self.contract.rate_limit, self.contract.rate_window
        self.pacers = PacerPool(limit, window, settings.config.pacing_fraction)
        self.http = httpx.Client(
            base_url=settings.target,
            timeout=settings.config.timeout,
            verify=self.target.verify,
            follow_redirects=False,
            headers=dict(settings.headers),
        )
        self.bootstrap_recorder = Recorder(self.redactor)
        self.recorder = self.bootstrap_recorder  # swapped per test by the plugin
        self.owner = "bootstrap"  # node id of the running test: resources are cleaned up per owner
        self.operations: set[str] = set()
        self.resources = Resources(self.contract, self.run_id, lambda: self.owner)
        self.bootstrapper = Bootstrapper(
            self.http,
            self.contract,
            self.pacers,
            lambda: self.recorder,
            self.redactor,
            self.run_id,
            self._register_bootstrap_cleanup,
            signup_token=settings.bearer_token,
        )
        self._accounts: dict[str, Account] = {}
        self.breach: ContractBreach | None = None  # the setup request the target answered against the spec
        self._lock = threading.RLock()
        self._fresh = 0
        self._bootstrap_cleanup: list[tuple[str, str, dict[str, str]]] = []
        self.stopped_at: float | None = None  # when the target stopped answering mid-run (time.time())
        self.stop_cause = ""

    def probe(self) -> None:
        """Fail fast (TargetUnreachable) when the target does not answer HTTP at all."""
        probe_target(self.http, self.contract)

    def lost(self, exc: BaseException) -> TargetStopped | None:
        """After a transport error: is the target gone? Probed once; from then on every call says when it went."""
        with self._lock:
            if self.stopped_at is None:
                try:
                    probe_target(self.http, self.contract)
                except TargetUnreachable:
                    self.stopped_at = time.time()
                    self.stop_cause = f"{exc.__class__.__name__}: {str(exc)[:200]}"
            if self.stopped_at is None:
                return None
            at = time.strftime("%H:%M:%SZ", time.gmtime(self.stopped_at))
            return TargetStopped(
                f"target {self.target.base_url} stopped answering at {at} ({self.stop_cause})",
                hint="the checks that had not run yet are reported not-run; restart the target and run again",
            )

    # -- identities ---------------------------------------------------------------------------------------------
    def account(self, label: str, extra_admins: int = 0) -> Account:
        with self._lock:
            if self.breach is not None:
                raise self.breach.again()  # once the setup broke the contract, every account would meet it again
            if label not in self._accounts:
                creds = next((a for a in self.settings.config.accounts if a.name == label), None)
                previous, self.recorder = self.recorder, self.bootstrap_recorder
                try:
                    self._accounts[label] = self.bootstrapper.account(label, creds, extra_admins)
                except ContractBreach as exc:
                    self.breach = exc
                    raise
                except KeyError as exc:
                    self.breach = ContractBreach(
                        "SCHEMA-RESPONSE", f"a setup response lacks the field {exc} the spec requires"
                    )
                    raise self.breach from exc
                finally:
                    self.recorder = previous
            return self._accounts[label]

    def fresh_account(self) -> Account:
        with self._lock:
            self._fresh += 1
            label = f"fresh{self._fresh}"
        return self.account(label)

    def client(self, identity: Identity | Account, auth: str | None = None, *, retry_429: bool = False) -> ApiClient:
        if isinstance(identity, Account):
            identity = identity.root
        auth = auth or ("cookie" if identity.kind == "root" else "bearer")
        return ApiClient(
            self.http,
            self.contract,
            identity,
            auth,
            self.pacers.get(identity.name),
            lambda: self.recorder,
            renew=self.bootstrapper.renew,
            retry_429=retry_429,
        )

    def raw(self) -> httpx.Client:
        """An unauthenticated httpx client for wire-level negatives: paced as anonymous traffic, recorded."""
        pacer = self.pacers.get(ANONYMOUS)

        def before(request: httpx.Request) -> None:
            pacer.acquire()

        def after(response: httpx.Response) -> None:
            response.read()
            operation = self.contract.match(response.request.method, response.request.url.path)
            if operation:  # exercised only once the target answered it
                self.recorder.mark_operation(operation)
            self.recorder.record("raw", response.request, response, response.elapsed.total_seconds())

        return httpx.Client(
            base_url=self.target.base_url,
            timeout=self.settings.config.timeout,
            verify=self.target.verify,
            follow_redirects=False,
            headers=dict(self.settings.headers),
            event_hooks={"request": [before], "response": [after]},
        )

    # -- resources ----------------------------------------------------------------------------------------------
    def make(self, kind: str, identity: Identity | Account | None = None, **fields: Any) -> dict[str, Any]:
        client = self.client(identity if identity is not None else self.account("alice").root)
        created = self.resources.make(client, kind, **fields)
        self.redactor.add(*(str(v) for k, v in created.items() if "secret" in k or "token" in k))
        return created

    def _register_bootstrap_cleanup(self, identity: str, operation_id: str, params: dict[str, str]) -> None:
        self._bootstrap_cleanup.append((identity, operation_id, params))

    def cleanup(self, owner: str) -> list[CleanupFailure]:
        """Delete what the test ``owner`` made; once the target stopped answering, leave it for :meth:`close`."""
        return [] if self.stopped_at is not None else self.resources.cleanup(owner)

    def close(self) -> list[CleanupFailure]:
        """Clean up everything left (the bootstrap's IAM users and policies last) and close the clients.

        A target that stopped answering is sent nothing more: what the run made is reported as left on it.
        """
        # The property part's reference resources (properties/references.py) stay in use by what its generated
        # cases created inside them, which no one tracks: a 409 there is expected, not a cleanup failure.
        if self.stopped_at is not None:
            failures = self.resources.abandon(LEFT_ON_STOPPED_TARGET)
        else:
            failures = self.resources.cleanup(None, skip=("properties",))
            # One attempt each: retrying an expected 409 for cleanup's deadline waited 3 s per resource.
            failures += [f for f in self.resources.cleanup("properties", deadline=0.0) if f.status != 409]
        self.operations |= self.bootstrap_recorder.operations  # the setup's requests the target answered
        by_name = {i.name: i for a in self._accounts.values() for i in a.identities}
        previous, self.recorder, self.owner = self.recorder, self.bootstrap_recorder, "bootstrap"
        try:
            for identity, operation_id, params in self._bootstrap_cleanup:
                if identity in by_name:
                    self.resources.schedule(
                        self.client(by_name[identity], retry_429=True), operation_id, params, "bootstrap"
                    )
            if self.stopped_at is not None:
                failures += self.resources.abandon(LEFT_ON_STOPPED_TARGET)
            else:
                failures += self.resources.cleanup("bootstrap")
        finally:
            self.recorder = previous
            self.http.close()
        return failures


def probe_target(http: httpx.Client, contract: Contract) -> None:
    """GET the spec's first public, parameterless operation: the target must answer, and answer JSON.

    Every route of the API answers JSON (seed), errors included; a target whose answer is not JSON at all is
    not a CloudNx API (a web server, a proxy's error page), which is a kit error, not a verdict.
    """
    public = next(o for o in contract.operations() if o.public and o.method == "GET" and not o.path_params)
    try:
        response = http.get(public.path)
    except httpx.TransportError as exc:
        raise TargetUnreachable(
            f"target {http.base_url} does not answer: {exc.__class__.__name__}: {exc}",
            hint="start the target or fix --target / CNX_TARGET / target.url",
        ) from exc
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        response.json()
    except ValueError:
        raise NotCloudNx(
            f"target {http.base_url} is not a CloudNx API: GET {public.path} answered {response.status_code} "
            f"with {media or 'no Content-Type'}, not JSON",
            hint="point --target at the API's base URL (the host that serves /auth, /compute and /storage)",
        ) from None


_current: Run | None = None


def current_run() -> Run:
    """The run of this process (set by the plugin); the property-based module reads its target here."""
    if _current is None:
        raise KitError("no conformance run is active", hint="run through cloudnx-conformance or --cnx-target")
    return _current


def set_current(run: Run | None) -> None:
    global _current
    _current = run
