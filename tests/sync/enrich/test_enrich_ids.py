"""A file's typed CRM ids are read over the whole column as the connector declares them (its `IdMatch`)."""

from __future__ import annotations

import polars as pl
import pytest

from connectors import id_matching
from sync.enrich.match import _normalised
from sync.enrich.sources import MATCH

TYPED = {
    "salesforce_id": ["0015g00000AbCdEAAZ", "0015g00000AbCdE", "0015g00000AbCdEA", "0015g00000AbC-E", None],
    "hubspot_id": ["9001", "9001.0", "9001.00", "9001.5", "abc", "", None],
}
EXPECTED = {
    "salesforce_id": ["0015g00000AbCdE", "0015g00000AbCdE", None, None, None],
    "hubspot_id": ["9001", "9001", "9001", None, None, None, None],
}


@pytest.mark.parametrize("match_by", sorted(TYPED))
def test_the_column_is_read_as_the_connector_reads_each_id(match_by: str) -> None:
    found = id_matching(match_by)
    assert found is not None
    read = _normalised(pl.DataFrame({MATCH: TYPED[match_by]}, schema={MATCH: pl.String}), match_by)
    assert read.get_column("_match").to_list() == EXPECTED[match_by]
    bad = [found.id_match.bad if t is not None and e is None else None for t, e in zip(TYPED[match_by],
           EXPECTED[match_by], strict=True)]  # fmt: skip
    assert read.get_column("_bad").to_list() == bad
