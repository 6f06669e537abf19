"""A real report proves itself: a one-field edit of any field fails `verify`, a recomputed fake `verify --public-key`.

The report comes from a small real run: the CLI against the killmatrix variant ``dies-mid-run`` (404s answered
as text/plain; a run this short ends before the variant dies), a selection with protocol and property-based
failures and their exchanges, signed with a key from ``keygen``. ``FIELDS`` names every field such a report
has, as JSON pointers with ``*`` for list indices (and for the keys of the count maps, which depend on the run);
each test edits every field its pointer matches, one at a time.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conformance.loopback import serve_on_loopback
from conformance.report.integrity import load_public, seal
from conformance.report.model import _counts, not_run_checks, result_counts, run_verdict
from conformance.report.verify import EXIT_TAMPERED, EXIT_UNREADABLE, verify_data
from conformance.verdicts import worst

pytestmark = [pytest.mark.suite, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SELECTION = "error_class or test_operation and (instances_get or auth_jwks or vpcs_list)"
_DATA_KEYED = {"counts", "results", "baseline_verdicts"}

FIELDS = [
    "/baseline", "/baseline_verdicts",
    "/checks/*/capability", "/checks/*/id", "/checks/*/in_profile", "/checks/*/level", "/checks/*/outcome",
    "/checks/*/profiles/*", "/checks/*/reason", "/checks/*/services/*", "/checks/*/source", "/checks/*/tests",
    "/checks/*/tests/*/check", "/checks/*/tests/*/duration", "/checks/*/tests/*/exchanges",
    "/checks/*/tests/*/exchanges/*/curl", "/checks/*/tests/*/exchanges/*/elapsed_ms",
    "/checks/*/tests/*/exchanges/*/error", "/checks/*/tests/*/exchanges/*/identity",
    "/checks/*/tests/*/exchanges/*/method", "/checks/*/tests/*/exchanges/*/request_body",
    "/checks/*/tests/*/exchanges/*/request_headers/*/*", "/checks/*/tests/*/exchanges/*/response_body",
    "/checks/*/tests/*/exchanges/*/response_headers/*/*", "/checks/*/tests/*/exchanges/*/status",
    "/checks/*/tests/*/exchanges/*/url", "/checks/*/tests/*/level", "/checks/*/tests/*/message",
    "/checks/*/tests/*/nodeid", "/checks/*/tests/*/operation", "/checks/*/tests/*/service",
    "/checks/*/tests/*/status", "/checks/*/title", "/checks/*/verdict", "/checks/*/waiver",
    "/cleanup_failures", "/counts/*", "/duration_s",
    "/integrity/algorithm", "/integrity/digest", "/integrity/public_key", "/integrity/signature",
    "/kit/git_revision", "/kit/name", "/kit/python", "/kit/version", "/kit_errors",
    "/not_run", "/not_run_checks/*", "/operations/exercised/*", "/operations/not_exercised/*",
    "/profile", "/properties/cases", "/properties/seed", "/properties/skipped", "/properties/tests",
    "/results/*", "/run_id", "/schema_version", "/seed", "/spec/digest", "/spec/operations", "/spec/version",
    "/started_at", "/stopped", "/target", "/verdict",
]  # fmt: skip


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "conformance.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=900, check=False)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(report.json, public key) of a small real run, signed."""
    tmp = tmp_path_factory.mktemp("real-report")
    assert cli("keygen", str(tmp / "key"), cwd=tmp).returncode == 0
    command = [sys.executable, "-m", "killmatrix.matrix_serve", "--variant", "dies-mid-run"]
    with serve_on_loopback(command, log=tmp / "target.log", cwd=REPO) as url:
        run = cli(
            "run", "--target", url, "--profile", "ci", "--seed", "5", "-k", SELECTION,
            "--sign-key", str(tmp / "key"), "--report-dir", str(tmp / "out"), cwd=tmp,
        )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    return tmp / "out" / "report.json", tmp / "key.pub"


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _pointer(path: tuple[Any, ...]) -> str:
    """The FIELDS pointer of a concrete path: list indices, and keys of the count maps, as ``*``."""
    parts = ["*" if isinstance(p, int) or (i == 1 and path[0] in _DATA_KEYED) else p for i, p in enumerate(path)]
    return "".join(f"/{p}" for p in parts)


def _edit(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    return [*value, "x"] if isinstance(value, list) else {**value, "x": 1}


def test_fields_name_every_field_of_a_real_report(real: tuple[Path, Path]) -> None:
    report = json.loads(real[0].read_text())
    found = sorted({_pointer(p) for p in _leaves(report)})
    assert found == sorted(FIELDS), "a report field is not in FIELDS (or gone): add it, verify must cover it"
    assert report["checks"], "the run judged checks"
    assert any(t["exchanges"] for c in report["checks"] for t in c["tests"]), "a failure carries its exchange"
    assert any(t["operation"] for c in report["checks"] for t in c["tests"]), "a property result names its operation"


@pytest.mark.parametrize("field", FIELDS)
def test_a_one_field_edit_fails_verify(real: tuple[Path, Path], field: str) -> None:
    report = json.loads(real[0].read_text())
    genuine = verify_data(report, load_public(real[1]))
    assert (genuine.refused, genuine.code) == (False, 1), genuine.message  # genuine, non-conformant
    paths = [p for p in _leaves(report) if _pointer(p) == field]
    assert paths, f"{field} is not in the report"
    for path in paths:
        tampered = copy.deepcopy(report)
        node = tampered
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = _edit(node[path[-1]])
        result = verify_data(tampered)  # no key given: the digest and the embedded signature must show it
        assert (result.refused, result.code) == (True, EXIT_TAMPERED), (path, result.message)


def _without_failures(report: dict[str, Any]) -> dict[str, Any]:
    """A consistent fake: failures removed, every verdict, count and list recomputed, digest and signature too."""
    fake = copy.deepcopy(report)
    for item in fake["checks"]:
        item["tests"] = [t for t in item["tests"] if t["status"] != "failed"]
        item["outcome"] = worst([t["status"] for t in item["tests"]])
        if item["verdict"] == "failed":
            item["verdict"] = item["outcome"] if item["tests"] else "not-run"
    fake["counts"], fake["results"] = _counts(fake["checks"]), result_counts(fake["checks"])
    fake["not_run_checks"] = not_run_checks(fake["checks"])
    fake["verdict"] = run_verdict(fake["checks"], fake["profile"], None, kit_errors=bool(fake["kit_errors"]))
    del fake["integrity"]
    return seal(fake, Ed25519PrivateKey.generate())  # digest recomputed, signed with the faker's own key


def test_a_recomputed_fake_fails_verify_with_the_public_key(real: tuple[Path, Path], tmp_path: Path) -> None:
    report = json.loads(real[0].read_text())
    fake = _without_failures(report)
    assert "failed" not in fake["results"]
    assert fake["verdict"] != report["verdict"]
    path = tmp_path / "fake.json"
    path.write_text(json.dumps(fake))
    public = str(real[1])
    # Digest and signature are consistent: without a trusted key the fake passes for a genuine (partial) report...
    assert cli("verify", str(path), cwd=tmp_path).returncode == 3
    # ...but the faker's own key signed it: the signature is checked against the key the verifier trusts.
    assert cli("verify", str(path), "--public-key", public, cwd=tmp_path).returncode == EXIT_TAMPERED
    assert cli("verify", str(real[0]), "--public-key", public, cwd=tmp_path).returncode == 1  # the genuine one


def test_verify_exit_codes_are_distinct(real: tuple[Path, Path], tmp_path: Path) -> None:
    edited = json.loads(real[0].read_text())
    edited["seed"] += 1
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    (tmp_path / "cut.json").write_text(real[0].read_text()[:500])
    codes = {
        "non-conformant": cli("verify", str(real[0]), cwd=tmp_path),
        "tampered": cli("verify", str(tmp_path / "edited.json"), cwd=tmp_path),
        "unreadable": cli("verify", str(tmp_path / "cut.json"), cwd=tmp_path),
    }
    assert {k: v.returncode for k, v in codes.items()} == {
        "non-conformant": 1,
        "tampered": EXIT_TAMPERED,
        "unreadable": EXIT_UNREADABLE,
    }
    for done in codes.values():
        assert "Traceback" not in done.stdout + done.stderr
        assert len(done.stdout.strip().splitlines()) == 1, done.stdout  # one sentence


def test_a_baseline_is_verified_before_use(real: tuple[Path, Path], tmp_path: Path) -> None:
    """An edited baseline is refused before the target is contacted (exit 2, one sentence), never trusted."""
    edited = json.loads(real[0].read_text())
    failed = next(c for c in edited["checks"] if c["verdict"] == "failed")
    failed["verdict"] = "passed"  # would turn the regression into "already failing" if it were believed
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(edited))
    # Port 9 (discard) is closed: a run that got as far as the target would say "does not answer".
    done = cli("run", "--target", "http://127.0.0.1:9", "--baseline", str(baseline), cwd=tmp_path)
    assert done.returncode == 2, done.stdout[-2000:]
    assert f"baseline {baseline} refused: REFUSED (tampered" in done.stdout
    assert "does not answer" not in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "reports").exists()  # no run began
