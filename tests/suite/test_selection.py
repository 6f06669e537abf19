"""--include / --exclude patterns and --header values: parsed, validated, applied to checks and operations."""

from __future__ import annotations

import json

import pytest

from conformance.catalogue import catalogue
from conformance.errors import ConfigError
from conformance.selection import Pattern, Selection, parse_headers, parse_patterns
from conformance.settings import resolve

pytestmark = pytest.mark.suite
pytest_plugins = ["pytester"]


def selection(include: list[str] | None = None, exclude: list[str] | None = None) -> Selection:
    return Selection(parse_patterns(include, "include"), parse_patterns(exclude, "exclude"))


def test_bare_globs_take_the_kind_they_match() -> None:
    patterns = parse_patterns(["ERR-*", "instances_*", "ratelimit", "compute"], "include")
    assert patterns == (
        Pattern("check", "ERR-*"),
        Pattern("operation", "instances_*"),
        Pattern("capability", "ratelimit"),
        Pattern("service", "compute"),
    )
    assert parse_patterns("NO-5XX, service:storage", "include") == (
        Pattern("check", "NO-5XX"),
        Pattern("service", "storage"),
    )


@pytest.mark.parametrize(
    ("value", "needle"),
    [("auth", "ambiguous"), ("nothing_*", "matches no"), ("colour:red", "unknown kind"), ("check:zzz", "no check")],
)
def test_bad_patterns_are_config_errors(value: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        parse_patterns([value], "include")


def test_kinds_combine_with_and_values_of_one_kind_with_or() -> None:
    entries = catalogue()
    chosen = selection(["ERR-SHAPE", "NO-5XX", "operation:instances_*"])
    assert chosen.wants_check(entries.get("ERR-SHAPE"))
    assert chosen.wants_check(entries.get("NO-5XX"))
    assert not chosen.wants_check(entries.get("SCHEMA-STATUS"))
    assert chosen.wants_operation("instances_create")
    assert not chosen.wants_operation("vpcs_list")
    assert not chosen.wants_operation(None)  # hand-written checks are left out by an operation include


def test_excludes_remove_and_capabilities_select() -> None:
    entries = catalogue()
    chosen = selection(exclude=["capability:ratelimit", "operation:auth_*"])
    rate = next(e for e in entries if e.capability == "ratelimit")
    assert not chosen.wants_check(rate)
    assert chosen.wants_check(entries.get("ERR-SHAPE"))
    assert chosen.wants_operation(None)
    assert not chosen.wants_operation("auth_signup")
    assert chosen.wants_operation("instances_create")
    assert selection(["service:storage"]).wants_check(entries.get("NO-5XX")) == (
        "storage" in entries.get("NO-5XX").services
    )


def test_a_service_narrows_the_property_part_to_its_operations() -> None:
    entries = catalogue()
    compute = selection(["service:compute"])
    assert compute.wants_operation("instances_create")
    assert not compute.wants_operation("auth_signup")
    assert not compute.wants_operation("buckets_create")
    assert compute.wants_operation(None)  # hand-written checks: kept by the services they name
    assert compute.wants(entries.get("ERR-SHAPE"), "vpcs_list")
    assert not compute.wants(entries.get("ERR-SHAPE"), "iam_users_list")
    no_auth = selection(exclude=["service:auth"])
    assert not no_auth.wants_operation("auth_login")
    assert no_auth.wants_operation("buckets_list")


def test_selection_round_trips_as_arguments() -> None:
    chosen = selection(["ERR-*"], ["operation:auth_*"])
    assert chosen.argv() == ["--include", "check:ERR-*", "--exclude", "operation:auth_*"]


def test_headers_parse_and_refuse_what_the_kit_sets_itself() -> None:
    assert parse_headers(["X-Api-Key: abc", "X-Tenant:t1"], "--header") == (("X-Api-Key", "abc"), ("X-Tenant", "t1"))
    assert parse_headers("X-A: 1\nX-B: 2\n", "CNX_HEADERS") == (("X-A", "1"), ("X-B", "2"))
    with pytest.raises(ConfigError, match="sets Authorization itself"):
        parse_headers(["Authorization: Bearer x"], "--header")
    with pytest.raises(ConfigError, match="not 'Name: value'"):
        parse_headers(["no colon"], "--header")


def test_settings_resolve_the_new_options_from_cli_and_environment() -> None:
    env = {"CNX_INCLUDE": "ERR-*", "CNX_MAX_EXAMPLES": "3", "CNX_HEADERS": "X-Api-Key: k", "CNX_BEARER_TOKEN": "t0k"}
    settings = resolve({}, env)
    assert settings.selection.include == (Pattern("check", "ERR-*"),)
    assert settings.max_examples == 3
    assert settings.headers == (("X-Api-Key", "k"),)
    assert settings.bearer_token == "t0k"
    assert resolve({"max_examples": 9}, env).max_examples == 9
    with pytest.raises(ConfigError, match="at least 1"):
        resolve({"max_examples": 0}, {})


CHECKS = """
from conformance.checks import check

@check("NO-5XX")
def test_no_5xx():
    pass

@check("ERR-SHAPE")
def test_error_shape():
    assert False, "text/plain"
"""


def test_the_plugin_deselects_what_the_selection_leaves_out(pytester: pytest.Pytester, stub_target: str) -> None:
    pytester.makepyfile(test_checks=CHECKS)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--cnx-target={stub_target}", "--cnx-profile=ci", f"--cnx-report-dir={out}",
        "--cnx-include=NO-5XX", "-v",
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*test_no_5xx PASSED*", "*1 deselected*"])
    checks = {c["id"]: c for c in json.loads((out / "report.json").read_text())["checks"]}
    assert [t["status"] for t in checks["NO-5XX"]["tests"]] == ["passed"]
    assert checks["ERR-SHAPE"]["tests"] == []


@pytest.mark.slow
def test_bootstrap_sends_the_signup_token_and_every_request_the_extra_header(reference_target: str) -> None:
    from conformance.runtime import Run

    settings = resolve(
        {"target": reference_target, "bearer_token": "signup-token-0123", "headers": ["X-Gateway-Key: gw-secret-99"]},
        {},
    )
    run = Run(settings)
    try:
        run.account("alice")
        exchanges = run.bootstrap_recorder.exchanges
    finally:
        run.close()
    signup = next(e for e in exchanges if e.url.endswith("/auth/signup"))
    assert ("authorization", "Bearer ***") in signup.request_headers  # sent, and masked in every recording
    assert all(("x-gateway-key", "***") in e.request_headers for e in exchanges)
    assert "signup-token-0123" not in repr(exchanges)
    assert "gw-secret-99" not in repr(exchanges)
    login = next(e for e in exchanges if e.url.endswith("/auth/login"))
    assert not any(name == "authorization" for name, _ in login.request_headers)
