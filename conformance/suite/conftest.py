"""Property-based part: per-test tallies of schemathesis checks (the plugin maps them onto catalogue ids)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.fixtures import TALLY_KEY


@pytest.fixture(autouse=True)
def _cnx_property_tally(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("cnx_properties") is None:
        yield
        return
    from conformance import properties  # schemathesis is imported only when the property part runs

    tally = properties.Tally()
    request.node.stash[TALLY_KEY] = tally
    properties.set_tally(tally)
    yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cnx_last: a check that reads what the whole run saw; it runs after the rest")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: everything keeps its order, the run-wide sweeps move to the end.
    items.sort(key=lambda item: item.get_closest_marker("cnx_last") is not None)
