"""The suite's conftest: one PropertyRun per run, run-wide sweeps last, missing fields said as sentences."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conformance.checks import CHECK_MARKER
from conformance.contract import contract
from conformance.errors import KitError
from conformance.runtime import Run, current_run
from conformance.suite.support import per_service

if TYPE_CHECKING:
    from conformance.properties import PropertyRun


@pytest.fixture(scope="session")
def cnx_properties(cnx_run: Run) -> PropertyRun:
    from conformance.properties import PropertyRun  # schemathesis is imported only when the property part runs

    return PropertyRun(cnx_run)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cnx_last: a check that reads what the whole run saw; it runs after the rest")
    config.addinivalue_line(
        "markers", "cnx_kinds(operation_ids): parametrize `create` with these, one per service in the ci profile"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    mark = metafunc.definition.get_closest_marker("cnx_kinds")
    if mark is None:
        return
    kinds = list(mark.args[0])
    try:
        profile = current_run().target.profile
    except KitError:
        profile = "full"  # collected without a run (e.g. listing the suite): show every kind
    if profile == "ci":  # the catalogue says "sample" for ci: the first kind of each service
        kinds = [info.operation_id for info in per_service([contract().op(k) for k in kinds])]
    metafunc.parametrize("create", kinds)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: everything keeps its order, the run-wide sweeps move to the end.
    items.sort(key=lambda item: item.get_closest_marker("cnx_last") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # A check that reads a field the target left out, or JSON the target did not send, fails with a sentence
    # saying so; a bare "KeyError: 'id'" or "JSONDecodeError: Expecting value" tells a reader nothing.
    try:
        return (yield)
    except json.JSONDecodeError as exc:
        if item.get_closest_marker(CHECK_MARKER) is None:
            raise
        raise AssertionError(
            f"the target's answer is not JSON where the spec documents a JSON body ({exc.msg} at character "
            f"{exc.pos}: {exc.doc[:120]!r}){_where(exc)}"
        ) from exc
    except (KeyError, IndexError) as exc:
        if item.get_closest_marker(CHECK_MARKER) is None or "spec/openapi.yaml" in str(exc):
            raise
        what = f"the field {exc.args[0]!r}" if isinstance(exc, KeyError) and exc.args else "an item"
        raise AssertionError(
            f"the target's answer lacks {what}, which the spec documents and the check reads{_where(exc)}"
        ) from exc


def _where(exc: BaseException) -> str:
    """Where in the suite the answer was read (the innermost frame under conformance/)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "conformance" in f.filename]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (read at {Path(frame.filename).name}:{frame.lineno})"
