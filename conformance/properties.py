"""The property-based part's machinery (schemathesis 4.32.5), usable outside pytest's collection.

- ``build_schema(run)``: the spec loaded with a generated config: profile-dependent example counts and phases,
  the seed, positive + negative modes, ``positive_data_acceptance`` statuses per operation from its documented
  codes, and a transport that paces every request (probes included) per identity and retries 429s after
  validating them.
- ``error_shape`` / ``retry_after_is_integer``: the kit's own checks, run inside every exchange.
- ``Tally``: per-test results of every check that ran, mapped onto catalogue ids.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.transport.requests import REQUESTS_TRANSPORT

import cloudnx_spec
from conformance.catalogue import catalogue
from conformance.identities import Identity
from conformance.runtime import Run, current_run

__all__ = ["CHECK_IDS", "PROFILES", "Tally", "build_schema", "current_tally", "error_shape", "retry_after_is_integer"]

#: schemathesis check name -> catalogue id
CHECK_IDS = {
    "not_a_server_error": "NO-5XX",
    "status_code_conformance": "SCHEMA-STATUS",
    "content_type_conformance": "SCHEMA-CONTENT-TYPE",
    "response_headers_conformance": "SCHEMA-HEADERS",
    "response_schema_conformance": "SCHEMA-RESPONSE",
    "negative_data_rejection": "INPUT-INVALID-REJECTED",
    "positive_data_acceptance": "INPUT-VALID-ACCEPTED",
    "missing_required_header": "INPUT-MISSING-HEADER",
    "unsupported_method": "STATUS-METHOD-NOT-ALLOWED",
    "use_after_free": "STATE-DELETED-GONE",
    "ensure_resource_availability": "STATE-CREATED-AVAILABLE",
    "ignored_auth_once_per_operation": "AUTH-NOT-IGNORED",
    "error_shape": "ERR-SHAPE",
    "retry_after_is_integer": "RATE-RETRY-AFTER-INTEGER",
}


@dataclass(frozen=True)
class ProfileSettings:
    max_examples: int
    phases: tuple[str, ...]
    stateful_examples: int
    stateful_steps: int


# The coverage phase is computed at collection in pytest and costs ~130 s of CPU for the 111 operations on a
# 2-core box (regex-driven string generation): it runs in `full` only, so that ci and core meet their budgets.
PROFILES = {
    "ci": ProfileSettings(5, ("examples", "fuzzing"), 3, 6),
    "core": ProfileSettings(15, ("examples", "fuzzing"), 10, 10),
    "full": ProfileSettings(100, ("examples", "coverage", "fuzzing"), 50, 20),
    # strict is core's run judged harder (RECOMMENDED checks required), so it generates the same cases.
    "strict": ProfileSettings(15, ("examples", "fuzzing"), 10, 10),
}
_KEY = re.compile(r"^[!-~]{1,255}$")
_FRAMING = {"content-length", "transfer-encoding", "host", "connection", "expect", "upgrade", "te", "trailer"}


# -- the kit's own checks --------------------------------------------------------------------------------------
@schemathesis.check
def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx is ``{"error": string}`` with a JSON Content-Type (seed: Error shape)."""
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])
    media = (media[0] if isinstance(media, list) else media).split(";")[0].strip().lower()
    if media != "application/json":
        raise AssertionError(f"{response.status_code} with Content-Type {media!r}; the seed requires JSON errors")
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from None
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        raise AssertionError(f'{response.status_code} body is not {{"error": string}}: {str(body)[:200]}')
    return None


@schemathesis.check
def retry_after_is_integer(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 429 carries ``Retry-After`` in whole seconds, at least the spec's minimum (RFC 6585, RFC 9110)."""
    if response.status_code != 429:
        return None
    raw = response.headers.get("retry-after")
    value = (raw[0] if isinstance(raw, list) else raw) or ""
    minimum = int(cloudnx_spec.load()["x-cloudnx-rate-limit"]["retry_after"].get("at_least", 1))
    if not value.strip().isdigit() or int(value) < minimum:
        raise AssertionError(f"429 with Retry-After {value!r}; the spec requires an integer >= {minimum}")
    return None


@schemathesis.check
def ignored_auth_once_per_operation(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's ``ignored_auth``, confirmed once per operation per run as its own engine does.

    In pytest the built-in probes after every authenticated 2xx (no run-wide memory); the probes are anonymous
    traffic, which the spec limits per client address, so they would dominate the run's time.
    """
    from schemathesis.specs.openapi.checks import ignored_auth

    ctx.auth_enforced_operations = _ENFORCED
    return ignored_auth(ctx, response, case)


_ENFORCED: set[str] = set()


# -- per-test tally ------------------------------------------------------------------------------------------
@dataclass
class Tally:
    """Check name -> outcomes seen in one test; failures keep their (redacted later) message."""

    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    inconclusive: dict[str, str] = field(default_factory=dict)
    cases: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, failure: Any, where: str = "") -> None:
        with self.lock:
            if failure is None:
                self.passed.add(name)
            else:
                self.failed.setdefault(name, f"{str(failure)[:3000]}\n{where}".strip())

    def by_id(self) -> dict[str, tuple[str, str]]:
        """Catalogue id -> (status, message)."""
        result: dict[str, tuple[str, str]] = {}
        for name in self.passed:
            if name in CHECK_IDS:
                result[CHECK_IDS[name]] = ("passed", "")
        for name, message in self.inconclusive.items():
            if name in CHECK_IDS and name not in self.passed:
                result[CHECK_IDS[name]] = ("inconclusive", f"inconclusive: {message}")
        for name, message in self.failed.items():
            if name in CHECK_IDS:
                result[CHECK_IDS[name]] = ("failed", f"{name}: {message}")
        return result


_tally = Tally()


def current_tally() -> Tally:
    return _tally


def set_tally(tally: Tally) -> None:
    global _tally
    _tally = tally


@schemathesis.hook
def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
    if not getattr(case.operation.schema, "_cnx_paced", False):
        return
    _tally.cases += 1
    for result in results:
        where = ""
        if result.failure is not None:
            where = f"{case.method} {case.formatted_path} -> {response.status_code}\nReproduce with: " + str(
                case.as_curl_command(headers=dict(response.request.headers))
            )
        _tally.add(result.name, result.failure, where)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # Hypothesis reuses generated values: a repeated Idempotency-Key makes a correct server replay an old response.
    # A valid key is replaced by a fresh uuid4; an invalid one (negative generation) is kept as generated.
    if not getattr(case.operation.schema, "_cnx_paced", False) or not case.headers:
        return
    for name in list(case.headers):
        # Generated extra headers may collide with HTTP framing (an empty Content-Length): the server's HTTP layer
        # then rejects the message before the API sees it (RFC 9112 §6), which says nothing about the contract.
        if name.lower() in _FRAMING:
            del case.headers[name]
            continue
        if (
            name.lower() == "idempotency-key"
            and isinstance(case.headers[name], str)
            and _KEY.match(case.headers[name])
        ):
            case.headers[name] = str(uuid.uuid4())


_SCHEMA: dict[str, Any] = {}


# -- pacing transport ----------------------------------------------------------------------------------------
class PacedTransport:
    """Every request of the property part, generated or probe: paced per identity, 429s validated and retried.

    A proxy of schemathesis's requests transport (its serializers live on that instance), bound to our schema only.
    """

    def __init__(self, run: Run, tokens: dict[str, Identity]) -> None:
        self.base = REQUESTS_TRANSPORT
        self.run = run
        self.tokens = tokens

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def send(self, case: Any, **kwargs: Any) -> Any:
        header = {k.lower(): v for k, v in (case.headers or {}).items()}.get("authorization", "")
        identity = self.tokens.get(header.removeprefix("Bearer ")) if isinstance(header, str) else None
        pacer = self.run.pacers.get(identity.name if identity else "anonymous")
        operation = self.run.contract.match(case.method, case.path)
        if operation:
            self.run.recorder.mark_operation(operation)
        for _attempt in range(4):
            pacer.acquire()
            response = self.base.send(case, **kwargs)
            if response.status_code != 429:
                return response
            # Our pacing should prevent this; when it happens anyway, the 429 itself must be well-formed.
            for check in (retry_after_is_integer, error_shape):
                try:
                    check(None, response, case)
                    _tally.add(check.__name__, None)
                except AssertionError as exc:
                    _tally.add(check.__name__, f"{case.method} {case.path}: {exc}")
            raw = response.headers.get("retry-after", [""])
            value = str(raw[0] if isinstance(raw, list) and raw else raw)
            pacer.hold(float(value) if value.isdigit() else 1.0)
        return response


def build_schema(run: Run | None = None) -> Any:
    """The spec as a schemathesis schema bound to the run's target (call once, at collection)."""
    run = run or current_run()
    profile = PROFILES[run.settings.profile]
    operations = []
    for info in run.contract.operations():
        # Every code the operation documents (400 included: a schema-valid but forged cursor is a 400), plus the
        # seed's equivalent of each code the seed's table lacks (x-cloudnx-levels.status_codes: 422 admits 400).
        statuses = sorted(str(code) for code in cloudnx_spec.levels().accepted(info.statuses))
        operations.append(
            {
                "include-operation-id": info.operation_id,
                "checks": {"positive_data_acceptance": {"expected-statuses": statuses}},
            }
        )
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {
            "seed": run.settings.seed,
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large", "large_base_example"],
            "base-url": run.target.base_url,
            "request-timeout": run.settings.config.timeout,
            "tls-verify": run.settings.config.verify_tls,
            # positive + negative
            "generation": {"mode": "all", "max-examples": run.settings.max_examples or profile.max_examples},
            "phases": {name: {"enabled": name in profile.phases} for name in ("examples", "coverage", "fuzzing")},
            "checks": {"ignored_auth": {"enabled": False}, **_checks_outside(run.settings.profile, run)},
            "operations": operations,
            **({"headers": dict(run.settings.headers)} if run.settings.headers else {}),
        }
    )
    schema = schemathesis.openapi.from_path(str(cloudnx_spec.spec_path()), config=config)
    _SCHEMA["schema"] = schema
    return schema


def _checks_outside(profile: str, run: Run) -> dict[str, dict[str, bool]]:
    """Checks whose catalogue entry the profile (or --include/--exclude) leaves out are not run at all."""
    entries = catalogue()
    return {
        name: {"enabled": False}
        for name, check_id in CHECK_IDS.items()
        if not entries.get(check_id).in_profile(profile)
        or not run.settings.selection.wants_check(entries.get(check_id))
    }


class IdentityPool:
    """Round-robin over the property account's IAM users: each has its own rate-limit budget."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._identities: list[Identity] = []
        self._cycle: Any = None
        self.tokens: dict[str, Identity] = {}
        self._lock = threading.Lock()

    def next(self) -> Identity:
        with self._lock:
            if self._cycle is None:
                account = self.run.account("props", extra_admins=max(0, self.run.settings.config.identities - 1))
                self._identities = [account.admin, *account.extra]
                self._cycle = itertools.cycle(self._identities)
            identity: Identity = next(self._cycle)
        self.run.bootstrapper.renew(identity, "bearer")
        if identity.bearer:
            self.tokens[identity.bearer] = identity
        return identity


def install(schema: Any, run: Run) -> IdentityPool:
    """Bind auth and pacing to ``schema`` only (no global patching of schemathesis)."""
    pool = IdentityPool(run)
    transport = PacedTransport(run, pool.tokens)

    class _PacedSchema(type(schema)):  # type: ignore[misc]
        __slots__ = ()
        _cnx_paced = True  # marks our schema (and its per-operation clones) for the global hooks

        @property
        def transport(self) -> Any:
            return transport

    schema.__class__ = _PacedSchema
    public = {o.operation_id for o in run.contract.operations() if o.public}

    @schema.auth(refresh_interval=None)
    class PoolAuth:
        def get(self, case: Any, ctx: Any) -> str | None:
            if case.operation.definition.raw.get("operationId") in public:
                return None
            return pool.next().bearer

        def set(self, case: Any, data: str | None, ctx: Any) -> None:
            if data:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return pool


def wait(seconds: float) -> None:
    time.sleep(seconds)
