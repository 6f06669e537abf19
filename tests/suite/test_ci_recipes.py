"""The CI recipes in examples/ci/ are valid for their CI and call the kit the way it works.

GitHub Actions: actionlint (types, expressions, known actions' inputs) and the SchemaStore workflow schema.
GitLab CI: the SchemaStore `gitlab-ci` schema that check-jsonschema vendors (GitLab's own linter is an API of a
GitLab instance, out of reach of a test). Both validators are pinned in the `test` extra; each is shown to reject
a broken copy, so a pass means something.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.cli import _parser

pytestmark = pytest.mark.suite

RECIPES = Path(__file__).resolve().parents[2] / "examples" / "ci"
GITHUB = RECIPES / "github-actions.yml"
GITLAB = RECIPES / "gitlab-ci.yml"


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.is_file():
        pytest.fail(f"{name} is missing: it is pinned in the `test` extra (pip install -e '.[test]')")
    return str(path)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("actionlint"), "-no-color", str(path))


def schema(name: str, path: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("check-jsonschema"), "--builtin-schema", f"vendor.{name}", str(path))


def test_github_workflow_passes_actionlint_and_its_schema() -> None:
    linted = actionlint(GITHUB)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    validated = schema("github-workflows", GITHUB)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_gitlab_pipeline_is_valid_against_the_gitlab_ci_schema() -> None:
    validated = schema("gitlab-ci", GITLAB)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_the_validators_reject_broken_recipes(tmp_path: Path) -> None:
    broken_github = tmp_path / "broken.yml"
    broken_github.write_text(GITHUB.read_text().replace("steps.suite.outputs.exit-code", "steps.nope.outputs.code"))
    assert actionlint(broken_github).returncode != 0
    broken_gitlab = tmp_path / "broken-gitlab.yml"
    broken_gitlab.write_text(GITLAB.read_text().replace("when: always", "when: sometimes"))
    assert schema("gitlab-ci", broken_gitlab).returncode != 0


def kit_commands(text: str) -> list[list[str]]:
    lines = re.findall(r"cloudnx-conformance run[^\n]*", text)
    return [shlex.split(line.replace('"$', '"').replace("$", "")) for line in lines]


@pytest.mark.parametrize("recipe", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_recipes_install_run_publish_and_keep_a_baseline(recipe: Path) -> None:
    text = recipe.read_text()
    data = yaml.safe_load(text)
    assert data  # a YAML document
    assert 'pip install "cloudnx-conformance==' in text
    commands = kit_commands(text)
    assert commands, "the recipe never runs the suite"
    for argv in commands:
        args = _parser().parse_args(argv[1:])  # every option the recipe uses exists
        assert args.target, "the recipe must aim at a URL"
        assert args.report_dir == "REPORTS"
    assert "reports/ci/junit.xml" in text  # published as the CI's test report
    assert "summary.md" in text  # the compact summary (<= 64 KB) is posted
    assert "CNX_BASELINE" in text  # the last default-branch report is the baseline
    assert "report.json" in text
    assert "CNX_BEARER_TOKEN" in text  # targets without open signup


def test_the_report_dir_of_the_recipes_is_the_one_they_publish() -> None:
    github = yaml.safe_load(GITHUB.read_text())
    assert github["jobs"]["conformance"]["env"]["REPORTS"] == "reports/ci"
    gitlab = yaml.safe_load(GITLAB.read_text())
    assert gitlab["conformance"]["variables"]["REPORTS"] == "reports/ci"
    assert gitlab["conformance"]["artifacts"]["reports"]["junit"] == "reports/ci/junit.xml"
