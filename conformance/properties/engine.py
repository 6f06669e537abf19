"""One run's property-based part: the spec as a schemathesis schema bound to the target, tested per operation.

``PropertyRun(run)`` builds everything once per run (no module state): the generated config (profile-dependent
example counts and phases, the seed, positive + negative modes, expected statuses per operation), the identity
pool, the paced session and the schema-scoped auth and hooks. ``test_operation(operation_id)`` runs the
hypothesis test of one operation and returns its tally, so every result names the operation it judged.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import hypothesis
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source

import cloudnx_spec
from conformance.catalogue import catalogue
from conformance.checks import inconclusive
from conformance.properties.identities import IdentityPool
from conformance.properties.links import drop_null_matches
from conformance.properties.references import References
from conformance.properties.statuses import (
    negative_statuses,
    positive_statuses,
    semantic_refusals,
    states_semantic_rule,
)
from conformance.properties.tally import Tally
from conformance.properties.transport import PacedSession
from conformance.recording import exchange_of
from conformance.runtime import Run

__all__ = ["PROFILES", "ProfileSettings", "PropertyRun"]


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
# Generated extra headers may collide with HTTP framing (an empty Content-Length): the target's HTTP layer then
# rejects the message before the API sees it (RFC 9112 §6), which says nothing about the contract.
_FRAMING = {"content-length", "transfer-encoding", "host", "connection", "expect", "upgrade", "te", "trailer"}


class PropertyRun:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.profile = PROFILES[run.settings.profile]
        self.enforced: set[str] = set()  # operations whose auth ignored_auth already confirmed (checks.py)
        self.tally = Tally()
        self.pool = IdentityPool(run)
        self.references = References(run)
        self.session = PacedSession(run, self.pool.identity_of, lambda: self.tally)
        self.schema = self._build_schema()
        # One [[operations]] block per operation, in the spec's order (_build_schema): kept by operationId.
        blocks = self.schema.config.operations.operations
        self._blocks = dict(zip([o.operation_id for o in run.contract.operations()], blocks, strict=True))
        self.schema.cnx_run = self  # read by the kit's checks: an attribute, the schema's class is untouched
        self._install()

    # -- building ------------------------------------------------------------------------------------------------
    def _build_schema(self) -> Any:
        settings = self.run.settings
        operations = [
            {
                "include-operation-id": info.operation_id,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": positive_statuses(info)},
                    "negative_data_rejection": {"expected-statuses": negative_statuses(info)},
                },
            }
            for info in self.run.contract.operations()
        ]
        config = schemathesis.config.SchemathesisConfig.from_dict(
            {
                "seed": settings.seed,
                "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large", "large_base_example"],
                "base-url": self.run.target.base_url,
                "request-timeout": settings.config.timeout,
                "tls-verify": settings.config.verify_tls,
                # positive + negative
                "generation": {"mode": "all", "max-examples": settings.max_examples or self.profile.max_examples},
                "phases": {n: {"enabled": n in self.profile.phases} for n in ("examples", "coverage", "fuzzing")},
                "checks": {"ignored_auth": {"enabled": False}, **_checks_outside(self.run)},
                "operations": operations,
                **({"headers": dict(settings.headers)} if settings.headers else {}),
            }
        )
        # The contract this process parsed already (cloudnx_spec, libyaml), as a copy: schemathesis may annotate it.
        return schemathesis.openapi.from_dict(json.loads(json.dumps(cloudnx_spec.load())), config=config)

    def _install(self) -> None:
        public = {o.operation_id for o in self.run.contract.operations() if o.public}
        semantic = {o.operation_id for o in self.run.contract.operations() if states_semantic_rule(o)}
        refusals = semantic_refusals()
        pool = self.pool

        @self.schema.auth(refresh_interval=None)
        class PoolAuth:
            def get(self, case: Any, ctx: Any) -> str | None:
                if case.operation.definition.raw.get("operationId") in public:
                    return None
                return pool.next().bearer

            def set(self, case: Any, data: str | None, ctx: Any) -> None:
                if data:
                    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

        def after_validate(context: Any, case: Any, response: Any, results: list[Any]) -> None:
            current = self.tally
            current.cases += 1
            operation_id = case.operation.definition.raw.get("operationId")
            for result in results:
                where = ""
                if (
                    result.name == "positive_data_acceptance"
                    and result.failure is not None
                    and response.status_code in refusals
                    and operation_id in semantic
                ):
                    current.inconclusive.setdefault(result.name, "valid-per-schema input broke a stated 422 rule")
                    continue
                exchange = None
                if result.failure is not None:
                    # The first failing exchange of each check is kept for the report (headers and bodies).
                    if result.name not in current.exchanges:
                        exchange = exchange_of(response, self.run.redactor)
                    where = f"{case.method} {case.formatted_path} -> {response.status_code}\nReproduce with: " + str(
                        case.as_curl_command(headers=dict(response.request.headers))
                    )
                current.add(result.name, result.failure, where, exchange)

        self.schema.hook(after_validate)

    # -- running -------------------------------------------------------------------------------------------------
    def prepare(self, case: Any) -> None:
        """Make a generated case say what it means before it is sent."""
        if case.headers:
            for name in list(case.headers):
                if name.lower() in _FRAMING:
                    del case.headers[name]
                # Hypothesis reuses generated values: a repeated Idempotency-Key makes a correct target replay an
                # old response. A valid key becomes a fresh uuid4; an invalid one (negative mode) stays as is.
                elif name.lower() == "idempotency-key" and _KEY.match(str(case.headers[name])):
                    case.headers[name] = str(uuid.uuid4())
        if _positive(case):
            self.references.fill(case)
            # A cursor is opaque and only the target can mint one: a generated one is forged input (400).
            if isinstance(case.query, dict):
                case.query.pop("cursor", None)

    def call(self, case: Any) -> None:
        self.prepare(case)
        # Every check's result is in the tally (after_validate): no shrinking, the curl line reproduces a failure.
        with contextlib.suppress(FailureGroup):
            case.call_and_validate(session=self.session)

    def _only_blocks_of(self, operation_ids: list[str]) -> None:
        """Leave only these operations' [[operations]] blocks in the config. schemathesis looks up an operation's
        settings (generation_for, phases_for, checks_config_for) by matching every block's filter, uncached, several
        times per case: with all 111 blocks that scan was ~15 % of the part's CPU. A block applies only to its own
        operation, so the settings of the operations under test are the same either way."""
        self.schema.config.operations.operations = [self._blocks[o] for o in operation_ids]

    def test_operation(self, operation_id: str) -> Tally:
        """Run one operation's hypothesis test; its tally holds every check that judged it."""
        self._only_blocks_of([operation_id])
        self.tally = Tally(operation_id)
        if self.run.breach is not None:
            raise self.run.breach.again()  # the setup broke the contract: every case would meet it again, slowly
        operation = self.schema.find_operation_by_id(operation_id)
        test = build_operation_test(
            config=self.schema.config,
            operation=operation,
            test_func=lambda case: self.call(case),
            given_kwargs={},
            feedback=FeedbackSources(constants_value_source=make_constants_value_source(self.schema)),
        )
        try:
            test()
        except (hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck) as exc:
            if not self.tally.cases:
                inconclusive(f"no test case could be generated for {operation_id}: {str(exc)[:200]}")
        return self.tally

    def state_machine(self) -> Any:
        """The spec's links as a hypothesis state machine whose calls go through the paced session."""
        if self.run.breach is not None:
            raise self.run.breach.again()
        self._only_blocks_of(list(self._blocks))  # a sequence may call any operation
        base: Any = drop_null_matches(self.schema.as_state_machine())
        prepare, session, properties = self.prepare, self.session, self

        class Machine(base):  # type: ignore[misc]
            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                prepare(case)
                return {"session": session}

            def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
                with contextlib.suppress(FailureGroup):  # recorded in the tally, as for single operations
                    super().validate_response(response, case, *args, **kwargs)

        Machine._hypothesis_internal_use_seed = self.run.settings.seed
        properties.tally = Tally()
        return Machine


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and getattr(meta.generation.mode, "value", "") == "positive"


def _checks_outside(run: Run) -> dict[str, dict[str, bool]]:
    """Checks whose catalogue entry the profile (or --include/--exclude) leaves out are not run at all."""
    entries = catalogue()
    return {
        name: {"enabled": False}
        for name, check_id in entries.schemathesis_checks().items()
        if not entries.get(check_id).in_profile(run.settings.profile)
        or not run.settings.selection.wants_check(entries.get(check_id))
    }
