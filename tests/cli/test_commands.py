"""Every operation of the spec is a command, and ``--help`` at every level shows what the spec says."""

from __future__ import annotations

import pytest

import cloudnx_spec
from cloudnx_cli import contract, parsers
from cloudnx_cli.contract import command_name
from cloudnx_cli.invoke import build_call

from .conftest import Cli

pytestmark = pytest.mark.cli


def test_the_issue_examples_name_their_operations() -> None:
    assert contract.find("compute", "vpcs-create").operation.operation_id == "vpcs_create"  # type: ignore[union-attr]
    assert contract.find("auth", "iam-users-list").operation.operation_id == "iam_users_list"  # type: ignore[union-attr]
    # The service prefix is dropped where the id carries it; the full id (dashes or underscores) is accepted too.
    assert contract.find("auth", "signup").operation.operation_id == "auth_signup"  # type: ignore[union-attr]
    assert (
        contract.find("auth", "auth-signup")
        is contract.find("auth", "auth_signup")
        is contract.find("auth", "signup")
    )


def test_every_operation_is_reachable_and_documented(cli: Cli) -> None:
    """Walks all operations: each one's --help names its method, path, summary and every parameter's option."""
    operations = cloudnx_spec.operations()
    assert sum(len(c) for c in contract.commands().values()) == len(operations)
    top = cli("--help")
    assert top.code == 0
    for op in operations:
        name = command_name(op)
        assert contract.find(op.service, name) is not None
        assert op.service in top.out
        result = cli(op.service, name, "--help")
        assert result.code == 0, result.err
        help_text = " ".join(result.out.split())
        assert f"{op.method} {op.path}" in help_text
        assert str(op.raw["summary"]) in help_text
        assert op.operation_id in help_text
        for parameter in op.parameters:
            if parameter.location in ("path", "query"):
                assert "--" + parameter.name.replace("_", "-") in help_text, (op.operation_id, parameter.name)
                description = str(parameter.raw.get("description", "")).split(".")[0]
                assert " ".join(description.split()) in help_text, (op.operation_id, parameter.name)
        if op.request_schema is not None:
            assert "--body" in help_text
        if op.takes_idempotency_key:
            assert "--idempotency-key" in help_text


def test_service_help_lists_each_command_with_its_summary(cli: Cli) -> None:
    for service, commands in contract.commands().items():
        result = cli(service, "--help")
        assert result.code == 0, result.err
        for name, command in commands.items():
            assert any(line.split()[:1] == [name] and command.summary in line for line in result.out.splitlines())


def test_scalar_body_fields_are_options_with_the_spec_types(cli: Cli) -> None:
    command = contract.find("compute", "asgs-create")
    assert command is not None
    options = {o.name: o for o in command.options if o.location == "body"}
    assert options["min_size"].kind == "integer"
    assert options["name"].kind == "string"
    instance = contract.find("compute", "instances-create")
    assert instance is not None
    fields = {o.name: o for o in instance.options if o.location == "body"}
    assert "firewall_ids" not in fields  # an array: only through --body
    assert fields["instance_type"].choices  # the spec's enum


def test_unknown_names_are_usage_errors_with_a_suggestion(cli: Cli) -> None:
    result = cli("compute", "vpc-create")
    assert result.code == 2
    assert "vpcs-create" in result.err
    assert cli("computer", "vpcs-list").code == 2
    assert cli("compute", "vpcs-create", "--no-such-option").code == 2
    assert cli().code == 2


def test_no_profile_is_a_configuration_error_not_a_traceback(cli: Cli) -> None:
    result = cli("compute", "vpcs-list")
    assert result.code == 2
    assert result.err.startswith("cloudnx: no endpoint")
    assert "configure" in result.err
    assert "Traceback" not in result.err


def test_version_names_the_contract_it_was_built_from(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert cloudnx_spec.digest()[:12] in result.out


def test_every_command_builds_its_operations_request() -> None:
    """Each command, with its required options set, addresses its operation: method, every path parameter
    filled (percent-encoded), a JSON body where the operation takes one, an Idempotency-Key where it takes one."""
    header = cloudnx_spec.idempotency().header
    for service, commands in contract.commands().items():
        for name, command in commands.items():
            op = command.operation
            argv = []
            for option in command.options:
                if option.required:
                    argv += [option.flag, option.choices[0] if option.choices else f"x/{option.name}"]
            ns = parsers.command_parser(command).parse_args(argv)
            call = build_call(command, ns)
            assert call.method == op.method, name
            assert "{" not in call.path, (service, name, call.path)
            assert cloudnx_spec.match(op.method, call.path.replace("%2F", "-")) == op, (service, name)
            for parameter in op.path_params:
                assert f"x%2F{parameter}" in call.path  # a "/" in a value cannot change the path
            assert (call.body is not None) == op.request_body_required, (service, name)
            assert (header in call.headers) == op.takes_idempotency_key, (service, name)
            assert call.retry_unanswered == (op.method == "GET" or op.idempotent), (service, name)
