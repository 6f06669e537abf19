"""The spec's root ``x-cloudnx-*`` extensions as frozen dataclasses, validated when first read.

Each ``from_spec`` takes the parsed mapping and raises ``SpecError`` naming the field at fault, so a broken spec
fails at start with one sentence instead of a ``KeyError`` deep inside a request. ``raw`` keeps the mapping as
written for fields the kit does not read yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cloudnx_spec._read import Node
from cloudnx_spec.loading import SpecError

__all__ = [
    "Idempotency",
    "Lifetimes",
    "Limits",
    "RateLimit",
    "RetryAfter",
    "StateMachine",
    "StateTransition",
    "TtlBounds",
]


@dataclass(frozen=True)
class RetryAfter:
    header: str
    unit: str
    at_least: int


@dataclass(frozen=True)
class RateLimit:
    """``x-cloudnx-rate-limit``: the seed's soft limit, a sustained rate plus a bounded burst.

    A client sending at most ``requests_per_second`` in every ``window_seconds`` is never throttled; at most
    ``requests_per_second * T + burst`` requests are accepted in any ``T >= window_seconds`` seconds, the sustained
    rate being judged over ``judged_over_seconds``.
    """

    KEY: ClassVar[str] = "x-cloudnx-rate-limit"  # where the spec declares it, for messages that cite it

    requests_per_second: int
    window_seconds: float
    burst: int
    judged_over_seconds: float
    kind: str
    scope: str
    anonymous_scope: str
    shared_across_services: tuple[str, ...]
    exceeded_status: int
    retry_after: RetryAfter
    headers: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> RateLimit:
        n = Node(spec.get(cls.KEY), "/" + cls.KEY)
        retry = n.node("retry_after")
        return cls(
            requests_per_second=n.integer("requests_per_second"),
            window_seconds=n.number("window_seconds"),
            burst=n.integer("burst"),
            judged_over_seconds=n.number("judged_over_seconds"),
            kind=n.string("kind"),
            scope=n.string("scope"),
            anonymous_scope=n.string("anonymous_scope"),
            shared_across_services=n.strings("shared_across_services"),
            exceeded_status=n.integer("exceeded_status"),
            retry_after=RetryAfter(
                retry.string("header"), retry.string("unit", "seconds"), retry.integer("at_least", 1)
            ),
            headers=n.strings("headers", ()),
            raw=n.value,
        )

    def most_accepted(self, seconds: float) -> float:
        """The most requests a compliant limiter may accept from one principal in ``seconds`` (>= the window)."""
        return self.requests_per_second * max(seconds, self.window_seconds) + self.burst


@dataclass(frozen=True)
class TtlBounds:
    """A client-chosen lifetime: its default and the inclusive bounds a request may ask for."""

    default: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class Lifetimes:
    """``x-cloudnx-lifetimes``: every lifetime the contract fixes, in seconds."""

    KEY: ClassVar[str] = "x-cloudnx-lifetimes"  # where the spec declares it, for messages that cite it

    access_token_seconds: int
    refresh_token_seconds: int
    exchange_token_seconds: int
    idempotency_key_seconds: int
    presign_max_seconds: int
    presign_min_seconds: int
    sigv4_clock_skew_seconds: int
    invite_ttl_seconds: TtlBounds
    pending_token_ttl_seconds: TtlBounds
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Lifetimes:
        n = Node(spec.get(cls.KEY), "/" + cls.KEY)

        def bounds(key: str) -> TtlBounds:
            b = n.node(key)
            value = TtlBounds(b.integer("default"), b.integer("minimum"), b.integer("maximum"))
            if not value.minimum <= value.default <= value.maximum:
                raise _bad(f"{b.where}: default must lie within minimum..maximum")
            return value

        value = cls(
            access_token_seconds=n.integer("access_token_seconds"),
            refresh_token_seconds=n.integer("refresh_token_seconds"),
            exchange_token_seconds=n.integer("exchange_token_seconds"),
            idempotency_key_seconds=n.integer("idempotency_key_seconds"),
            presign_max_seconds=n.integer("presign_max_seconds"),
            presign_min_seconds=n.integer("presign_min_seconds"),
            sigv4_clock_skew_seconds=n.integer("sigv4_clock_skew_seconds"),
            invite_ttl_seconds=bounds("invite_ttl_seconds"),
            pending_token_ttl_seconds=bounds("pending_token_ttl_seconds"),
            raw=n.value,
        )
        if not 0 < value.presign_min_seconds <= value.presign_max_seconds:
            raise _bad("/x-cloudnx-lifetimes: presign_min_seconds must be positive and <= presign_max_seconds")
        return value


@dataclass(frozen=True)
class Idempotency:
    """``x-cloudnx-idempotency`` (draft-ietf-httpapi-idempotency-key-header): header names, scope, statuses."""

    KEY: ClassVar[str] = "x-cloudnx-idempotency"  # where the spec declares it, for messages that cite it

    header: str
    replay_header: str
    scope: tuple[str, ...]
    ttl_seconds: int
    mismatch_status: int
    in_flight_status: int
    replayed: tuple[str, ...]  # "status", "body" and the header names a replay repeats
    key_min_length: int
    key_max_length: int
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Idempotency:
        n = Node(spec.get(cls.KEY), "/" + cls.KEY)
        key = n.node("key")
        return cls(
            header=n.string("header"),
            replay_header=n.string("replay_header"),
            scope=n.strings("scope"),
            ttl_seconds=n.integer("ttl_seconds"),
            mismatch_status=n.integer("mismatch_status"),
            in_flight_status=n.integer("in_flight_status"),
            replayed=n.strings("replayed"),
            key_min_length=key.integer("minLength"),
            key_max_length=key.integer("maxLength"),
            raw=n.value,
        )


@dataclass(frozen=True)
class Limits:
    """``x-cloudnx-limits``: named quotas and caps, each an integer; ``limits["keys_per_bucket"]``."""

    KEY: ClassVar[str] = "x-cloudnx-limits"  # where the spec declares it, for messages that cite it

    values: Mapping[str, int]

    def __getitem__(self, name: str) -> int:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"spec/openapi.yaml /x-cloudnx-limits has no {name!r}") from None

    @property
    def max_body_bytes(self) -> int:
        return self["max_body_bytes"]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Limits:
        n = Node(spec.get(cls.KEY), "/" + cls.KEY)
        value = cls(values=n.integers())
        value.max_body_bytes  # noqa: B018 - the HTTP layer needs it: fail at load, not per request
        return value


@dataclass(frozen=True)
class StateTransition:
    from_states: tuple[str, ...]
    to: str
    by: str  # an operationId, a delay, or prose ("volumes_detach or instance termination")


@dataclass(frozen=True)
class StateMachine:
    """One machine of ``x-cloudnx-state-machines``."""

    name: str
    initial: str
    final: str | None
    transitions: tuple[StateTransition, ...]
    wrong_state_status: int | None

    @classmethod
    def all_from_spec(cls, spec: Mapping[str, Any]) -> dict[str, StateMachine]:
        root = Node(spec.get("x-cloudnx-state-machines"), "/x-cloudnx-state-machines")
        machines = {}
        for name in root.value:
            n = root.node(name)
            steps = n.value.get("transitions")
            if not isinstance(steps, list):
                raise _bad(f"{n.where}/transitions must be a list")
            transitions = []
            for i, step in enumerate(steps):
                s = Node(step, f"{n.where}/transitions/{i}")
                transitions.append(StateTransition(s.strings("from"), s.string("to"), s.string("by")))
            machines[name] = cls(
                name=name,
                initial=n.string("initial"),
                final=n.string("final") if n.has("final") else None,
                transitions=tuple(transitions),
                wrong_state_status=n.integer("wrong_state_status") if n.has("wrong_state_status") else None,
            )
        return machines


def _bad(message: str) -> SpecError:
    return SpecError(f"spec/openapi.yaml {message}")
