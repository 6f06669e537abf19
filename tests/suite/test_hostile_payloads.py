"""The hostile payloads are what they claim (each one breaks a JSON rule), and the raw wire reads answers right."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from conformance.hostile import DEEP_LEVELS, deep_cases, duplicate_cases, encoding_cases, number_cases, parse_answer

pytestmark = pytest.mark.suite

EXAMPLE = {"name": "web-1", "cidr_block": "10.0.0.0/16"}
SCHEMA = {"properties": {"name": {"type": "string"}, "size": {"type": "integer"}}}
INT64 = 2**63


def _strict(body: bytes) -> Any:
    """An I-JSON parser (RFC 7493): UTF-8 without surrogates, unique names, no NaN, integers within int64."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(items)

    def check(value: Any) -> None:
        if isinstance(value, str):
            value.encode("utf-8")  # a lone surrogate cannot be encoded
        elif isinstance(value, int) and not -INT64 <= value < INT64:
            raise ValueError("beyond int64")
        elif isinstance(value, float) and value in (float("inf"), float("-inf")):
            raise ValueError("beyond a double")
        elif isinstance(value, dict):
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    def constant(name: str) -> Any:
        raise ValueError(name)

    value = json.loads(body.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    check(value)
    return value


def test_the_example_itself_is_clean_json() -> None:
    assert _strict(json.dumps(EXAMPLE).encode()) == EXAMPLE


@pytest.mark.parametrize("build", [encoding_cases, number_cases, duplicate_cases])
def test_every_case_breaks_a_json_rule(build: Any) -> None:
    cases = build(EXAMPLE, SCHEMA)
    assert len({c.label for c in cases}) == len(cases) >= 1
    for case in cases:
        with pytest.raises((ValueError, UnicodeError)):
            _strict(case.body)


def test_deep_cases_reach_the_documented_depths() -> None:
    cases = deep_cases(EXAMPLE, SCHEMA)
    assert [c.body.count(b"[") for c in cases if c.body.startswith(b"[")] == list(DEEP_LEVELS)
    assert max(DEEP_LEVELS) > sys.getrecursionlimit()  # past an unguarded recursive parser


def test_number_cases_aim_at_an_integer_field() -> None:
    labels = [c.label for c in number_cases(EXAMPLE, SCHEMA)]
    assert any("'size'" in label and "int64" in label for label in labels)


@pytest.mark.parametrize(
    ("raw", "status", "body"),
    [
        (b"HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\nhello trailing", 400, b"hello"),
        (b"HTTP/1.1 431 X\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 431, b"abcde"),
        (b"HTTP/1.1 200 OK\r\n\r\nto-close", 200, b"to-close"),
    ],
)
def test_raw_answers_are_parsed(raw: bytes, status: int, body: bytes) -> None:
    answer = parse_answer(raw)
    assert answer is not None
    assert (answer.status, answer.body) == (status, body)


def test_no_answer_is_none() -> None:
    assert parse_answer(b"") is None
    assert parse_answer(b"garbage without a status line\r\n\r\n") is None
