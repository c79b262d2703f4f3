"""Exact string-key lookups: hash first, then confirm the string."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import positions
from tests.lanes import examples

texts = st.text(alphabet="ab\u00e9", max_size=3)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=12), st.sets(texts, max_size=8))
def test_positions_are_the_row_of_the_same_key_or_null(values, keys):
    key_list = sorted(keys)
    expected = [key_list.index(value) if value in keys else None for value in values]
    value_series = pl.Series("v", values, dtype=pl.String)
    key_series = pl.Series("k", key_list, dtype=pl.String)
    assert positions(value_series, key_series).to_list() == expected
