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
