"""Decide, per variant and tool, whether the variant was killed — the mutation-testing rule.

A variant is killed by a tool when the tool reports a failure on it that it did not report on the clean
reference server (``none``) in the same matrix run. A tool that fails on the clean server proves nothing with
that same failure elsewhere, so such failures never count as kills; they are listed as false positives.
Plain schemathesis is compared by failure kind (``ST202 Schema-valid request rejected``), not per operation:
its time-boxed runs reach different operations each time, so per-operation signatures differ between two runs
on the very same server and would count noise as kills.
For the suite, a kill is also checked against the ids the variant names (``Fault.catches``): ``killed`` when all
the expected ids that the profile runs fired, ``killed-other`` when only other checks caught it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.catalogue import catalogue
from killmatrix.matrix.tools import ToolRun
from killmatrix.variants import VARIANTS

__all__ = ["Cell", "classify"]

#: States of a cell. ``masked``: only the expected id fired, and it fails on the clean server as well.
#: A legal variant (it breaks no rule) is ``accepted`` when the tool passes it, ``rejected`` when it does not.
STATES = ("killed", "killed-other", "masked", "survived", "error", "clean", "false-positive", "accepted", "rejected")


@dataclass
class Cell:
    variant: str
    tool: str
    state: str
    fired: list[str] = field(default_factory=list)  # everything the tool reported
    new: list[str] = field(default_factory=list)  # reported here but not on the clean server
    expected: list[str] = field(default_factory=list)  # Fault.catches that this tool/profile runs
    expected_not_run: list[str] = field(default_factory=list)  # Fault.catches outside the profile
    missing: list[str] = field(default_factory=list)  # expected ids that did not fire
    expected_verdicts: dict[str, str] = field(default_factory=dict)  # what the report said about them
    inconclusive: list[str] = field(default_factory=list)
    seconds: float = 0.0
    detail: str = ""
    report: str = ""

    @property
    def is_kill(self) -> bool:
        return self.state in ("killed", "killed-other")


def _expected(variant: str, tool: str) -> tuple[list[str], list[str]]:
    if not tool.startswith("suite-"):
        return [], []
    profile = tool.removeprefix("suite-")
    known = catalogue()
    catches = list(VARIANTS[variant].catches)
    # A check the profile runs but does not require (RECOMMENDED outside strict) cannot kill there.
    runs = [c for c in catches if known.get(c).required_in(profile)]
    return runs, [c for c in catches if c not in runs]


def _compared(tool: str, fired: list[str]) -> list[str]:
    """What the clean-server comparison is made on: check ids, or schemathesis failure kinds."""
    if tool != "schemathesis":
        return list(fired)
    return sorted({item.split(" @ ")[0] for item in fired})


def classify(run: ToolRun, clean: ToolRun | None) -> Cell:
    """The cell for ``run``; ``clean`` is the same tool's run on ``none`` (None when it was not run)."""
    expected, not_run = _expected(run.variant, run.tool)
    cell = Cell(
        run.variant,
        run.tool,
        "error",
        fired=list(run.fired),
        expected=expected,
        expected_not_run=not_run,
        inconclusive=list(run.inconclusive),
        seconds=round(run.seconds, 1),
        detail=run.detail,
        report=run.report,
        expected_verdicts={c: run.verdicts.get(c, "absent") for c in expected},
    )
    if run.outcome == "error":
        return cell
    fired = _compared(run.tool, run.fired)
    if VARIANTS[run.variant].legal:
        # Specificity: a correct implementation must fare as the clean server does — no failure (or inconclusive
        # check) the reference does not also get in the same run. The clean server's own failures are reported on
        # its row; a legal variant is not blamed for them.
        usable = clean is not None and clean.outcome != "error"
        baseline = set(_compared(clean.tool, clean.fired)) if usable and clean is not None else set()
        unsure = set(clean.inconclusive) if usable and clean is not None else set()
        cell.new = [item for item in fired if item not in baseline]
        doubtful = [item for item in run.inconclusive if item not in unsure]
        cell.state = "rejected" if cell.new or doubtful else "accepted"
        return cell
    if run.variant == "none":
        cell.state = "false-positive" if fired else "clean"
        cell.new = fired
        return cell
    baseline = set(_compared(clean.tool, clean.fired)) if clean is not None and clean.outcome != "error" else set()
    cell.new = [item for item in fired if item not in baseline]
    cell.missing = [c for c in expected if c not in run.fired]
    if cell.new:
        caught_by_expected = bool(expected) and not cell.missing and any(c in cell.new for c in expected)
        cell.state = "killed" if caught_by_expected else "killed-other"
    elif expected and not cell.missing:
        cell.state = "masked"
    else:
        cell.state = "survived"
    return cell
